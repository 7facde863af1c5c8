// parseUpstream on plain strings: an http:// or https:// URL with a host, an optional port and path, nothing else;
// what is accepted is what lands in proxy_pass.
import { describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { parseUpstream } from "../../src/sites/parse-upstream.js";

function refusal(input: string): string {
  try {
    const accepted = parseUpstream(input);
    throw new Error(`${JSON.stringify(input)} was accepted as ${JSON.stringify(accepted)}`);
  } catch (error) {
    if (!(error instanceof NgcertError)) throw error;
    expect(error.code).toBe("INVALID_INPUT");
    return error.message;
  }
}

const HINT = "; give a URL such as http://127.0.0.1:8080";

describe("parseUpstream accepts", () => {
  it.each([
    ["http://127.0.0.1:8080", "http://127.0.0.1:8080", false],
    ["http://127.0.0.1", "http://127.0.0.1", false],
    ["https://127.0.0.1:8443", "https://127.0.0.1:8443", true],
    ["http://localhost:3000", "http://localhost:3000", false],
    // Single-label names: Docker and /etc/hosts names.
    ["http://app:3000", "http://app:3000", false],
    ["https://app:3000", "https://app:3000", true],
    // Docker Compose service and container names use underscores.
    ["http://web_app:8000", "http://web_app:8000", false],
    ["http://shop_web_1:8000", "http://shop_web_1:8000", false],
    ["http://backend.internal.example:8080", "http://backend.internal.example:8080", false],
    ["http://[::1]:8080", "http://[::1]:8080", false],
    ["http://[::1]", "http://[::1]", false],
    ["https://[2001:db8::10]:8443/app/", "https://[2001:db8::10]:8443/app/", true],
    ["http://127.0.0.1:65535", "http://127.0.0.1:65535", false],
    ["http://127.0.0.1:1", "http://127.0.0.1:1", false],
  ])("%s", (input, url, https) => {
    expect(parseUpstream(input)).toEqual({ url, https });
  });

  it("keeps the path exactly as written: none, a bare slash, a trailing slash or not", () => {
    // proxy_pass with and without a URI map request URIs differently, so "no path" must not become "/".
    expect(parseUpstream("http://127.0.0.1:8080").url).toBe("http://127.0.0.1:8080");
    expect(parseUpstream("http://127.0.0.1:8080/").url).toBe("http://127.0.0.1:8080/");
    expect(parseUpstream("http://127.0.0.1:8080/api").url).toBe("http://127.0.0.1:8080/api");
    expect(parseUpstream("http://127.0.0.1:8080/api/v1/").url).toBe("http://127.0.0.1:8080/api/v1/");
    expect(parseUpstream("http://127.0.0.1:8080//double").url).toBe("http://127.0.0.1:8080//double");
    expect(parseUpstream("http://127.0.0.1:8080/a%20b/%7E").url).toBe("http://127.0.0.1:8080/a%20b/%7E");
    expect(parseUpstream("http://127.0.0.1:8080/Mixed-Case_path.~*!(x)&y=z").url).toBe("http://127.0.0.1:8080/Mixed-Case_path.~*!(x)&y=z");
  });

  it("normalises what URL syntax defines as equivalent", () => {
    expect(parseUpstream("HTTP://Backend.Example:8080/Path").url).toBe("http://backend.example:8080/Path");
    expect(parseUpstream("http://127.0.0.1:80/").url).toBe("http://127.0.0.1/");
    expect(parseUpstream("https://127.0.0.1:443").url).toBe("https://127.0.0.1");
    expect(parseUpstream("http://127.0.0.1:08080").url).toBe("http://127.0.0.1:8080");
    expect(parseUpstream("http://bücher.example").url).toBe("http://xn--bcher-kva.example");
    // Dot segments and non-ASCII path characters come out as WHATWG URL serialises them.
    expect(parseUpstream("http://h/a/../b").url).toBe("http://h/b");
    expect(parseUpstream("http://h/café").url).toBe("http://h/caf%C3%A9");
  });
});

describe("parseUpstream refuses, naming the input", () => {
  it("no scheme", () => {
    expect(refusal("127.0.0.1:8080")).toBe(`\`127.0.0.1:8080\` is not a usable upstream: it is not a URL${HINT}`);
    expect(refusal("app")).toBe(`\`app\` is not a usable upstream: it is not a URL${HINT}`);
    expect(refusal("//127.0.0.1:8080")).toContain("it is not a URL");
    expect(refusal("")).toContain("it is not a URL");
  });

  it.each([
    ["ftp://127.0.0.1", "ftp"],
    ["ws://127.0.0.1:8080", "ws"],
    ["file:///etc/passwd", "file"],
    ["unix:/run/app.sock", "unix"],
    ["grpc://127.0.0.1:50051", "grpc"],
    ["javascript:alert(1)", "javascript"],
  ])("the scheme of %s", (input, scheme) => {
    expect(refusal(input)).toBe(`\`${input}\` is not a usable upstream: the scheme must be http or https, not ${scheme}${HINT}`);
  });

  it("credentials", () => {
    for (const input of ["http://user:secret@127.0.0.1:8080", "http://user@127.0.0.1:8080", "http://:secret@127.0.0.1"]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a usable upstream: credentials in the URL are not supported${HINT}`);
    }
  });

  it("a query or a fragment, even an empty one", () => {
    for (const input of ["http://127.0.0.1:8080/?a=1", "http://127.0.0.1:8080/app?", "http://127.0.0.1:8080/#top", "http://127.0.0.1:8080#", "http://127.0.0.1?x"]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a usable upstream: a query or fragment is not allowed${HINT}`);
    }
  });

  it.each([
    [";", ";"],
    ["{", "{"],
    ["}", "}"],
    ["$", "$"],
    ["`", "`"],
    ["'", "'"],
    ['"', '"'],
    ["|", "|"],
    ["<", "<"],
    [">", ">"],
    ["\\", "\\"],
    ["^", "^"],
    [" ", " "],
    ["\u00a0", "\u00a0"],
    // Control characters are shown escaped, so the refusal stays on one line.
    ["\t", "\\t"],
    ["\n", "\\n"],
    ["\r", "\\r"],
    ["\u0000", "\\x00"],
    ["\u007f", "\\x7f"],
  ])("%j anywhere in it", (char, shown) => {
    for (const [input, echoed] of [
      [`http://127.0.0.1:8080/a${char}b`, `http://127.0.0.1:8080/a${shown}b`],
      [`http://app${char}x:8080`, `http://app${shown}x:8080`],
    ] as const) {
      expect(refusal(input)).toBe(`\`${echoed}\` is not a usable upstream: it contains spaces, quotes or characters nginx would interpret${HINT}`);
    }
  });

  it("nginx variables and directives smuggled into the path", () => {
    for (const input of ["http://127.0.0.1:8080/$request_uri", "http://127.0.0.1:8080/${host}", "http://127.0.0.1:8080/; include /etc/passwd;", "http://127.0.0.1:8080/\n}"]) {
      expect(refusal(input)).toContain("it contains spaces, quotes or characters nginx would interpret");
    }
  });

  it("a port out of range, or not a number", () => {
    expect(refusal("http://127.0.0.1:0")).toBe(`\`http://127.0.0.1:0\` is not a usable upstream: the port must be between 1 and 65535${HINT}`);
    expect(refusal("http://app:00")).toContain("the port must be between 1 and 65535");
    for (const input of ["http://127.0.0.1:65536", "http://127.0.0.1:99999", "http://127.0.0.1:-1", "http://127.0.0.1:80a", "http://127.0.0.1:http"]) {
      expect(refusal(input)).toBe(`\`${input}\` is not a usable upstream: it is not a URL${HINT}`);
    }
  });

  it("a host that is neither an IP address nor a host name", () => {
    for (const input of ["http://-app:3000", "http://app-:3000", "http://a.-b:3000", "http://a..b:3000", "http://app%3Bx:3000"]) {
      expect(refusal(input)).toMatch(/is not a usable upstream: (the host `.*` is not an IP address or a host name|it is not a URL)/);
    }
    expect(refusal("http://256.0.0.1")).toContain("it is not a URL");
    expect(refusal("http://[::1%25eth0]:80")).toContain("it is not a URL");
  });

  it("no host", () => {
    expect(refusal("http://")).toContain("it is not a URL");
    expect(refusal("http://:8080")).toContain("it is not a URL");
  });
});
