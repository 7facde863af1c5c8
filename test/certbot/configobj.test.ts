// parseConfObj: the configobj dialect certbot writes renewal confs in, and the malformed input it must refuse.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
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

describe("parseConfObj values", () => {
  const value = (text: string): unknown => parseConfObj(`key = ${text}`).values.key;

  it("strips inline comments and surrounding space", () => {
    expect(value("webroot   # the usual one")).toBe("webroot");
    expect(value("'a # not a comment'  # a comment")).toBe("a # not a comment");
    expect(value("/srv/a, /srv/b, # two paths")).toEqual(["/srv/a", "/srv/b"]);
  });

  it("reads comma lists, including the one-element and empty forms certbot writes", () => {
    expect(value("/var/www/acme,")).toEqual(["/var/www/acme"]);
    expect(value("a, b, c")).toEqual(["a", "b", "c"]);
    expect(value('"a, b", c,')).toEqual(["a, b", "c"]);
    expect(value(",")).toEqual([]);
  });

  it("reads quoted and empty values", () => {
    expect(value('"  padded  "')).toBe("  padded  ");
    expect(value("''")).toBe("");
    expect(value("")).toBe("");
    expect(value("a=b=c")).toBe("a=b=c");
    expect(value("echo it's done")).toBe("echo it's done");
  });

  it("refuses quoting it cannot read", () => {
    expect(syntaxError('key = "unterminated').message).toBe("line 1: unterminated quoted value");
    expect(syntaxError('key = "a" b').message).toBe('line 1: unexpected text "b" after a value');
    expect(syntaxError('key = """multi\nline"""').message).toBe("line 1: multi-line values are not supported");
  });
});

describe("parseConfObj structure errors", () => {
  it("refuses a line without `=`, with its line number", () => {
    const error = syntaxError("cert = /c.pem\n\n# fine\nthis is not a setting\n");
    expect(error.line).toBe(4);
    expect(error.message).toBe('line 4: expected "key = value", found "this is not a setting"');
  });

  it("refuses unbalanced and malformed section headers", () => {
    expect(syntaxError("[renewalparams]]").message).toBe('line 1: unbalanced brackets in "[renewalparams]]"');
    expect(syntaxError("[[renewalparams]").message).toBe('line 1: unbalanced brackets in "[[renewalparams]"');
    expect(syntaxError("[renewalparams").message).toBe('line 1: malformed section header "[renewalparams"');
    expect(syntaxError("[]").message).toBe("line 1: empty section name");
    expect(syntaxError("key = 1\n]oops[").message).toBe('line 2: expected "key = value", found "]oops["');
  });

  it("refuses a section nested deeper than its parent", () => {
    expect(syntaxError("[[webroot_map]]\na = /w").message).toBe('line 1: section "webroot_map" is nested too deeply');
    expect(syntaxError("[a]\n[[[c]]]").message).toBe('line 2: section "c" is nested too deeply');
  });

  it("closes subsections when a shallower header follows", () => {
    const conf = parseConfObj("[a]\n[[b]]\nx = 1\n[c]\ny = 2\n");
    expect(conf.sections.a!.sections.b!.values).toEqual({ x: "1" });
    expect(conf.sections.c!.values).toEqual({ y: "2" });
  });

  it("refuses duplicate keys and sections, as configobj does", () => {
    expect(syntaxError("cert = /a\ncert = /b").message).toBe('line 2: duplicate key "cert"');
    expect(syntaxError("[renewalparams]\n[renewalparams]").message).toBe('line 2: duplicate section "renewalparams"');
    expect(syntaxError("renewalparams = x\n[renewalparams]").message).toBe('line 2: duplicate section "renewalparams"');
    // The same key in different sections is fine.
    expect(() => parseConfObj("server = a\n[renewalparams]\nserver = b")).not.toThrow();
  });
});
