// parseDomain / parseDomains on plain strings: what a user may type as a domain, what reaches certbot and nginx
// instead (punycode, lower case, no trailing dot), and the one-line refusal for everything else.
import { describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { parseDomain, parseDomains } from "../../src/sites/parse-domain.js";

/** The refusal's message, or a failure when the input was accepted. */
function refusal(input: string): string {
  try {
    const accepted = parseDomain(input);
    throw new Error(`${JSON.stringify(input)} was accepted as ${JSON.stringify(accepted)}`);
  } catch (error) {
    if (!(error instanceof NgcertError)) throw error;
    expect(error.code).toBe("INVALID_INPUT");
    return error.message;
  }
}

const label = (length: number, char = "a"): string => char.repeat(length);

describe("parseDomain accepts DNS names", () => {
  it.each([
    ["app.example.com", "app.example.com"],
    ["a.b", "a.b"],
    ["a.b.c.d.e.example", "a.b.c.d.e.example"],
    ["123.example", "123.example"],
    ["1.2.3.4.example", "1.2.3.4.example"],
    ["my-app.example", "my-app.example"],
    ["xn--bcher-kva.example", "xn--bcher-kva.example"],
    [`${label(63)}.example`, `${label(63)}.example`],
  ])("%s", (input, expected) => {
    expect(parseDomain(input)).toBe(expected);
  });

  it("lower-cases", () => {
    expect(parseDomain("App.Example.COM")).toBe("app.example.com");
  });

  it("drops one trailing dot (the root), but not two", () => {
    expect(parseDomain("app.example.com.")).toBe("app.example.com");
    expect(refusal("app.example.com..")).toContain("empty label");
  });

  it("converts an internationalised name to punycode, in any case", () => {
    expect(parseDomain("bücher.example")).toBe("xn--bcher-kva.example");
    expect(parseDomain("BÜCHER.Example")).toBe("xn--bcher-kva.example");
    expect(parseDomain("café.bücher.example")).toBe("xn--caf-dma.xn--bcher-kva.example");
    expect(parseDomain("例え.テスト")).toBe("xn--r8jz45g.xn--zckzah");
    // UTS #46 mapping, as browsers do: full-width letters and the ideographic full stop.
    expect(parseDomain("ａｐｐ.example")).toBe("app.example");
    expect(parseDomain("app\u3002example")).toBe("app.example");
  });

  it("accepts a name of exactly 253 characters and labels of exactly 63", () => {
    const name = [label(63), label(63), label(63), label(61)].join(".");
    expect(name).toHaveLength(253);
    expect(parseDomain(name)).toBe(name);
    expect(parseDomain(`${name}.`)).toBe(name);
  });
});

describe("parseDomain refuses what is not a DNS name, naming the input", () => {
  it.each([";", "{", "}", "$", "`", "'", '"', "|", "&", "<", ">", "\\", "(", ")", "#", "!", ",", "/", "@", ":", "%", "?", "=", "[", "]"])(
    "a name with %s in it",
    (char) => {
      const input = `app${char}x.example`;
      expect(refusal(input)).toBe(`\`${input}\` is not a valid domain name: only letters, digits, hyphens and dots are allowed`);
    },
  );

  it.each([
    ["a space", "app example.com", "app example.com"],
    ["a leading space", " app.example.com", " app.example.com"],
    ["a trailing space", "app.example.com ", "app.example.com "],
    ["a no-break space", "app\u00a0.example.com", "app\u00a0.example.com"],
    // Control characters are shown escaped, so the refusal stays on one line.
    ["a tab", "app\t.example.com", "app\\t.example.com"],
    ["a newline", "app.example.com\nserver_name evil.example", "app.example.com\\nserver_name evil.example"],
    ["a carriage return", "app.example.com\r", "app.example.com\\r"],
    ["a NUL byte", "app.example.com\u0000", "app.example.com\\x00"],
    ["DEL", "app\u007f.example.com", "app\\x7f.example.com"],
  ])("a name with %s", (_what, input, shown) => {
    const message = refusal(input);
    expect(message).toBe(`\`${shown}\` is not a valid domain name: only letters, digits, hyphens and dots are allowed`);
    expect(message).not.toMatch(/[\n\r]/);
  });

  it("shell and nginx injection attempts", () => {
    for (const input of [
      "app.example.com;rm -rf /",
      "app.example.com; include /etc/passwd",
      "$(id).example.com",
      "`id`.example.com",
      "app.example.com&&id",
      "app.example.com|id",
      "${host}.example.com",
      "app.example.com}server{",
      "app.example.com' -d 'evil.example",
      'app.example.com" -d "evil.example',
      "app.example.com>out",
    ]) {
      expect(refusal(input)).toContain(`\`${input}\` is not a valid domain name: `);
    }
  });

  it("a leading dash (it would be read as an option)", () => {
    expect(refusal("-d")).toBe("`-d` is not a valid domain name: it starts with a dash");
    expect(refusal("--webroot-path=/etc")).toBe("`--webroot-path=/etc` is not a valid domain name: it starts with a dash");
    expect(refusal("-app.example.com")).toBe("`-app.example.com` is not a valid domain name: it starts with a dash");
  });

  it("a label starting or ending with a hyphen", () => {
    for (const input of ["app.-example.com", "app-.example.com", "app.example-", "xn--.example"]) {
      expect(refusal(input)).toBe(
        `\`${input}\` is not a valid domain name: only letters, digits, hyphens and dots are allowed, and a label cannot start or end with a hyphen`,
      );
    }
  });

  it("hyphens in a label's third and fourth places outside an IDN label, or an xn-- label that is not punycode for a non-ASCII name (the CA refuses both)", () => {
    expect(refusal("ab--cd.example")).toBe("`ab--cd.example` is not a valid domain name: the label `ab--cd` has hyphens in its third and fourth places, which only IDN labels (xn--) may have");
    expect(refusal("app.zz--top.example")).toContain("the label `zz--top` has hyphens in its third and fourth places");
    for (const [input, bad] of [["xn--zz.example", "xn--zz"], ["app.xn--a.example", "xn--a"]]) {
      expect(refusal(input!)).toBe(`\`${input}\` is not a valid domain name: the label \`${bad}\` is not a valid IDN (punycode) label`);
    }
    // What the punycode of a real name is stays accepted, typed either way.
    expect(parseDomain("xn--bcher-kva.example")).toBe(parseDomain("bücher.example"));
    expect(parseDomain("a-b--c.example")).toBe("a-b--c.example");
  });

  it("an underscore (not a host name)", () => {
    expect(refusal("_acme-challenge.example.com")).toContain("only letters, digits, hyphens and dots are allowed");
    expect(refusal("my_app.example.com")).toContain("only letters, digits, hyphens and dots are allowed");
  });

  it("a wildcard, saying that HTTP-01 cannot issue it", () => {
    expect(refusal("*.example.com")).toMatchInlineSnapshot(
      `"\`*.example.com\` is not a valid domain name: wildcard certificates need DNS-01 validation; ngcert uses HTTP-01 through nginx, which cannot issue them: list each name instead"`,
    );
    expect(refusal("*")).toContain("wildcard certificates need DNS-01 validation");
    expect(refusal("app.*.example.com")).toContain("only letters, digits, hyphens and dots are allowed");
  });

  it("a single label", () => {
    for (const input of ["localhost", "app", "APP.", "bücher"]) {
      expect(refusal(input)).toContain("a certificate needs a fully qualified name with at least two labels, such as app.example.com");
    }
  });

  it("an empty name or an empty label", () => {
    expect(refusal("")).toBe("`` is not a valid domain name: it is empty");
    expect(refusal(".")).toContain("not a valid");
    for (const input of ["app..example.com", ".app.example.com", "app.example.com.."]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a valid domain name: it has an empty label (two dots in a row, or a leading dot)`);
    }
  });

  it("a label longer than 63 characters", () => {
    const long = label(64);
    expect(refusal(`${long}.example.com`)).toBe(`\`${long}.example.com\` is not a valid domain name: the label \`${long}\` is longer than 63 characters`);
  });

  it("a name longer than 253 characters", () => {
    const name = [label(63), label(63), label(63), label(62)].join(".");
    expect(name).toHaveLength(254);
    expect(refusal(name)).toBe(`\`${name}\` is not a valid domain name: it is longer than 253 characters`);
  });

  it("an IP address, or anything with an all-digit top-level label", () => {
    for (const input of ["127.0.0.1", "192.168.1.10.", "app.123"]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a valid domain name: it looks like an IP address; certificates here are for domain names`);
    }
    for (const input of ["::1", "[::1]", "2001:db8::1"]) {
      expect(refusal(input)).toContain("only letters, digits, hyphens and dots are allowed");
    }
  });

  it("a URL or a host with a port", () => {
    for (const input of ["https://app.example.com", "app.example.com:443", "app.example.com/path", "user@app.example.com"]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a valid domain name: only letters, digits, hyphens and dots are allowed`);
    }
  });

  it("an internationalised name that is not valid, or that maps to a forbidden character", () => {
    expect(refusal("app\uff1bx.example")).toContain("not a valid domain name"); // full-width semicolon
    expect(refusal("a\u2024b.example")).toContain("not a valid domain name"); // one-dot leader
  });
});

describe("parseDomains", () => {
  it("removes duplicates after normalising, keeping the first occurrence's order", () => {
    expect(parseDomains(["www.example.com", "App.Example.com", "www.example.com", "app.example.com.", "bücher.example", "xn--bcher-kva.example"])).toEqual([
      "www.example.com",
      "app.example.com",
      "xn--bcher-kva.example",
    ]);
  });

  it("refuses the whole list when one name is bad", () => {
    expect(() => parseDomains(["app.example.com", "*.example.com"])).toThrow(/^`\*\.example\.com` is not a valid domain name: wildcard/);
  });

  it("needs at least one name", () => {
    expect(() => parseDomains([])).toThrow(expect.objectContaining({ code: "USAGE", message: "give at least one domain name" }));
  });
});
