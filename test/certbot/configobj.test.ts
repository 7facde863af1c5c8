// parseConfObj: the configobj dialect certbot writes renewal confs in, and the malformed input it must refuse.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { childPath, ConfInterpolationError, ConfReader, rootPath } from "../../src/certbot/configobj-interpolate.js";
import { ConfDecodeError } from "../../src/certbot/configobj-text.js";
import { ConfSyntaxError, parseConfObj } from "../../src/certbot/configobj.js";

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/renewal/${name}`, import.meta.url), "utf8");

function syntaxError(text: string): ConfSyntaxError {
  try {
    parseConfObj(text);
  } catch (error) {
    if (error instanceof ConfSyntaxError) return error;
    throw error;
  }
  throw new Error("parseConfObj accepted the text");
}

describe("parseConfObj on certbot's own output", () => {
  it("reads a certbot 2.x webroot renewal conf: comments, [renewalparams], [[webroot_map]], a one-element list", () => {
    expect(parseConfObj(fixture("certbot-2-webroot.conf"))).toEqual({
      values: {
        version: "2.11.0",
        archive_dir: "/etc/letsencrypt/archive/shop.example.com",
        cert: "/etc/letsencrypt/live/shop.example.com/cert.pem",
        privkey: "/etc/letsencrypt/live/shop.example.com/privkey.pem",
        chain: "/etc/letsencrypt/live/shop.example.com/chain.pem",
        fullchain: "/etc/letsencrypt/live/shop.example.com/fullchain.pem",
      },
      sections: {
        renewalparams: {
          values: {
            account: "6c4e3bcd0b9a5d1e2f3a4b5c6d7e8f90",
            authenticator: "webroot",
            webroot_path: ["/var/www/acme-challenge"],
            server: "https://acme-v02.api.letsencrypt.org/directory",
            key_type: "ecdsa",
            post_hook: "systemctl reload nginx",
          },
          sections: {
            webroot_map: {
              values: { "shop.example.com": "/var/www/acme-challenge", "www.shop.example.com": "/var/www/acme-challenge" },
              sections: {},
            },
          },
        },
      },
    });
  });

  it("reads multi-item lists, quoted values, and quotes inside an unquoted value as configobj does", () => {
    const params = parseConfObj(fixture("certbot-2-hooks.conf")).sections.renewalparams!;
    expect(params.values.webroot_path).toEqual(["/var/www/acme-challenge", "/srv/legacy-acme"]);
    expect(params.values.pref_challs).toEqual(["http-01"]);
    expect(params.values.deploy_hook).toBe('cp "$RENEWED_LINEAGE/fullchain.pem" /srv/app/tls/');
    expect(params.values.renew_hook).toBe('/usr/local/bin/notify "renewed"');
    expect(params.values.manual_public_ip_logging_ok).toBe("True");
    expect(params.sections.webroot_map!.values).toEqual({ "api.example.com": "/var/www/acme-challenge", "old.example.com": "/srv/legacy-acme" });
  });

  it("reads CRLF line endings and indented lines", () => {
    const conf = parseConfObj("cert = /c.pem\r\n[renewalparams]\r\n    authenticator = webroot\r\n    [[webroot_map]]\r\n        a.example = /w\r\n");
    expect(conf.values.cert).toBe("/c.pem");
    expect(conf.sections.renewalparams!.values.authenticator).toBe("webroot");
    expect(conf.sections.renewalparams!.sections.webroot_map!.values["a.example"]).toBe("/w");
  });
});

describe("parseConfObj values (expected: what configobj 5.0.8 reads)", () => {
  const value = (text: string): unknown => parseConfObj(`key = ${text}`).values.key;

  it("strips inline comments and surrounding space; `#` inside quotes is text", () => {
    expect(value("webroot   # the usual one")).toBe("webroot");
    expect(value("'a # not a comment'  # a comment")).toBe("a # not a comment");
    expect(value("/srv/a, /srv/b, # two paths")).toEqual(["/srv/a", "/srv/b"]);
    expect(value(`"a", 'b', c # d`)).toEqual(["a", "b", "c"]);
  });

  it("reads comma lists, including the one-element and empty forms certbot writes", () => {
    expect(value("/var/www/acme,")).toEqual(["/var/www/acme"]);
    expect(value("a, b, c")).toEqual(["a", "b", "c"]);
    expect(value('"a, b", c,')).toEqual(["a, b", "c"]);
    expect(value(",")).toEqual([]);
  });

  it("reads quoted, empty and odd values", () => {
    expect(value('"  padded  "')).toBe("  padded  ");
    expect(value("''")).toBe("");
    expect(value("")).toBe("");
    expect(value("a=b=c")).toBe("a=b=c");
    expect(value("echo it's done")).toBe("echo it's done");
    expect(value(`"it's"`)).toBe("it's");
    expect(parseConfObj("  = x").values).toEqual({ " ": "x" });
  });

  it("reads triple-quoted values, on one line or several, as certbot writes a hook with both kinds of quote", () => {
    expect(value(`'''it's "both"'''`)).toBe(`it's "both"`);
    expect(value('"""multi\nline"""')).toBe("multi\nline");
    expect(value("'''one\n  two # not a comment\n[not a section]\nthree''' # comment")).toBe("one\n  two # not a comment\n[not a section]\nthree");
  });

  it("reads a BOM, CRLF, stray CRs and unicode", () => {
    expect(parseConfObj("\ufeffcert = /c.pem\r\n").values).toEqual({ cert: "/c.pem" });
    expect(parseConfObj("k = é 😀\r\n").values).toEqual({ k: "é 😀" });
    expect(parseConfObj("key = x\r\r\n").values).toEqual({ key: "x" });
  });

  it("refuses what configobj refuses, with its message", () => {
    expect(syntaxError('key = "unterminated').message).toBe("Parse error in value at line 1.");
    expect(syntaxError('key = "a" b').message).toBe("Parse error in value at line 1.");
    expect(syntaxError("key = a, , b").message).toBe("Parse error in value at line 1.");
    expect(syntaxError("key = '''never closed\nmore").message).toBe("Parsing failed with several errors.\nFirst error at line 1.");
  });

  it("refuses bytes that are not UTF-8 with Python's message", () => {
    expect(() => parseConfObj(Buffer.from([0x6b, 0x20, 0x3d, 0x20, 0xff, 0x0a]))).toThrow(
      new ConfDecodeError("'utf-8' codec can't decode byte 0xff in position 4: invalid start byte"),
    );
    expect(() => parseConfObj(Buffer.from([0x6b, 0xe2, 0x82, 0x0a]))).toThrow(new ConfDecodeError("'utf-8' codec can't decode bytes in position 1-2: invalid continuation byte"));
  });
});

describe("parseConfObj structure errors", () => {
  it("refuses a line that is neither section nor setting, with its line number", () => {
    const error = syntaxError("cert = /c.pem\n\n# fine\nthis is not a setting\n");
    expect(error.line).toBe(4);
    expect(error.message).toBe("Invalid line ('this is not a setting') (matched as neither section nor keyword) at line 4.");
  });

  it("refuses unbalanced and malformed section headers", () => {
    expect(syntaxError("[renewalparams]]").message).toBe("Cannot compute the section depth at line 1.");
    expect(syntaxError("[[renewalparams]").message).toBe("Cannot compute the section depth at line 1.");
    expect(syntaxError("[renewalparams").message).toBe("Invalid line ('[renewalparams') (matched as neither section nor keyword) at line 1.");
    expect(syntaxError("[]").message).toBe("Invalid line ('[]') (matched as neither section nor keyword) at line 1.");
    expect(syntaxError("key = 1\n]oops[").message).toBe("Invalid line (']oops[') (matched as neither section nor keyword) at line 2.");
  });

  it("refuses a section nested deeper than its parent", () => {
    expect(syntaxError("[[webroot_map]]\na = /w").message).toBe("Section too nested at line 1.");
    expect(syntaxError("[a]\n[[[c]]]").message).toBe("Section too nested at line 2.");
  });

  it("closes subsections when a shallower header follows; spaces inside brackets do not count", () => {
    const conf = parseConfObj("[a]\n[[b]]\nx = 1\n[c]\ny = 2\n[ d ]\n  z = 3");
    expect(conf.sections.a!.sections.b!.values).toEqual({ x: "1" });
    expect(conf.sections.c!.values).toEqual({ y: "2" });
    expect(conf.sections.d!.values).toEqual({ z: "3" });
  });

  it("refuses duplicate keys and sections, and says when there were several errors", () => {
    expect(syntaxError("cert = /a\ncert = /b").message).toBe("Duplicate keyword name at line 2.");
    expect(syntaxError("[renewalparams]\n[renewalparams]").message).toBe("Duplicate section name at line 2.");
    expect(syntaxError("renewalparams = x\n[renewalparams]").message).toBe("Duplicate section name at line 2.");
    expect(syntaxError("a = 1\na = 2\nb\n").errors).toEqual([
      { line: 2, message: "Duplicate keyword name at line 2." },
      { line: 3, message: "Invalid line ('b') (matched as neither section nor keyword) at line 3." },
    ]);
    // The same key in different sections is fine.
    expect(() => parseConfObj("server = a\n[renewalparams]\nserver = b")).not.toThrow();
  });

  it("keeps keys such as __proto__ and constructor as plain entries", () => {
    const conf = parseConfObj("__proto__ = a\nconstructor = b\n[toString]\nx = 1");
    expect(Object.keys(conf.values)).toEqual(["__proto__", "constructor"]);
    expect(conf.values.__proto__).toBe("a");
    expect(Object.keys(conf.sections)).toEqual(["toString"]);
    expect(syntaxError("hasOwnProperty = 1\nhasOwnProperty = 2").message).toBe("Duplicate keyword name at line 2.");
  });
});

describe("ConfReader: configobj's %(name)s interpolation (expected: what configobj returns)", () => {
  const read = (text: string, key: string, ...sections: string[]): unknown => {
    let at = rootPath(parseConfObj(text));
    for (const name of sections) at = childPath(at, name)!;
    const owner = at.sections[at.sections.length - 1]!;
    try {
      return new ConfReader().read(at, key, owner.values[key]!);
    } catch (error) {
      return error instanceof ConfInterpolationError ? `error: ${error.message}` : error;
    }
  };

  it("replaces names from the same section, the sections above, and DEFAULT sections", () => {
    expect(read("a = x\nb = <%(a)s>", "b")).toBe("<x>");
    expect(read("server = s\n[renewalparams]\npost_hook = echo %(server)s", "post_hook", "renewalparams")).toBe("echo s");
    expect(read("[renewalparams]\n[[DEFAULT]]\nn = d\n[[webroot_map]]\nw = <%(n)s>\n", "w", "renewalparams", "webroot_map")).toBe("<d>");
    expect(read("[DEFAULT]\nn = d\n[renewalparams]\nw = <%(n)s>\n", "w", "renewalparams")).toBe("<d>");
  });

  it("leaves text without %(name)s alone, `%%` included", () => {
    expect(read("a = 100% %% %s", "a")).toBe("100% %% %s");
  });

  it("fails as configobj fails: a missing name, a loop, a list, a DEFAULT that is not a section", () => {
    expect(read("a = %(nope)s", "a")).toBe('error: missing option "nope" in interpolation.');
    expect(read("a = %(b)s\nb = %(a)s", "a")).toBe('error: interpolation loop detected in value "a".');
    expect(read("a = x, y\nb = %(a)s", "b")).toBe("error: expected string or bytes-like object, got 'list'");
    expect(read("DEFAULT = x\nb = %(a)s", "b")).toBe("error: 'str' object has no attribute 'get'");
  });
});
