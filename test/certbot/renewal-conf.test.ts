// parseRenewalConf: the fields ngcert takes from renewal/<name>.conf, and RenewalConfError for a conf certbot cannot use.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRenewalConf, RenewalConfError } from "../../src/certbot/renewal-conf.js";

const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/renewal/${name}`, import.meta.url), "utf8");

const FILES = ["cert = /le/live/a/cert.pem", "privkey = /le/live/a/privkey.pem", "chain = /le/live/a/chain.pem", "fullchain = /le/live/a/fullchain.pem"];
const conf = (...lines: string[]): string => `${lines.join("\n")}\n`;

function confError(text: string): RenewalConfError {
  try {
    parseRenewalConf(text);
  } catch (error) {
    if (error instanceof RenewalConfError) return error;
    throw error;
  }
  throw new Error("parseRenewalConf accepted the text");
}

describe("parseRenewalConf", () => {
  it("reads certbot 2.x's webroot conf", () => {
    expect(parseRenewalConf(fixture("certbot-2-webroot.conf"))).toEqual({
      cert: "/etc/letsencrypt/live/shop.example.com/cert.pem",
      privkey: "/etc/letsencrypt/live/shop.example.com/privkey.pem",
      chain: "/etc/letsencrypt/live/shop.example.com/chain.pem",
      fullchain: "/etc/letsencrypt/live/shop.example.com/fullchain.pem",
      archiveDir: "/etc/letsencrypt/archive/shop.example.com",
      authenticator: "webroot",
      installer: undefined,
      server: "https://acme-v02.api.letsencrypt.org/directory",
      keyType: "ecdsa",
      webrootPath: ["/var/www/acme-challenge"],
      webrootMap: { "shop.example.com": "/var/www/acme-challenge", "www.shop.example.com": "/var/www/acme-challenge" },
      params: {
        account: "6c4e3bcd0b9a5d1e2f3a4b5c6d7e8f90",
        authenticator: "webroot",
        webroot_path: ["/var/www/acme-challenge"],
        server: "https://acme-v02.api.letsencrypt.org/directory",
        key_type: "ecdsa",
        post_hook: "systemctl reload nginx",
      },
    });
  });

  it("reads a standalone conf: no webroot at all", () => {
    const parsed = parseRenewalConf(fixture("certbot-2-standalone.conf"));
    expect(parsed.authenticator).toBe("standalone");
    expect(parsed.keyType).toBe("rsa");
    expect(parsed.webrootPath).toEqual([]);
    expect(parsed.webrootMap).toEqual({});
    expect(parsed.params.pre_hook).toBe("systemctl stop nginx");
  });

  it("reads several webroot paths, hooks with quotes, and a single path written without the trailing comma", () => {
    const parsed = parseRenewalConf(fixture("certbot-2-hooks.conf"));
    expect(parsed.webrootPath).toEqual(["/var/www/acme-challenge", "/srv/legacy-acme"]);
    expect(parsed.params.deploy_hook).toBe('cp "$RENEWED_LINEAGE/fullchain.pem" /srv/app/tls/');
    expect(parseRenewalConf(conf(...FILES, "[renewalparams]", "webroot_path = /w")).webrootPath).toEqual(["/w"]);
  });

  it("needs no [[webroot_map]] or archive_dir", () => {
    const parsed = parseRenewalConf(conf(...FILES, "[renewalparams]", "authenticator = nginx", "installer = nginx"));
    expect(parsed).toMatchObject({ archiveDir: undefined, authenticator: "nginx", installer: "nginx", webrootMap: {} });
  });
});

describe("parseRenewalConf errors", () => {
  it("wraps configobj syntax errors", () => {
    expect(confError(conf(...FILES, "[renewalparams", "authenticator = webroot")).message).toBe('line 5: malformed section header "[renewalparams"');
    expect(confError("\u0000\u0001garbage\n").message).toBe('line 1: expected "key = value", found "\\u0000\\u0001garbage"');
  });

  it("refuses a conf missing any of the four file paths, or with an empty one", () => {
    for (const key of ["cert", "privkey", "chain", "fullchain"]) {
      const without = FILES.filter((line) => !line.startsWith(`${key} =`));
      expect(confError(conf(...without, "[renewalparams]")).message).toBe(`no "${key}" path`);
    }
    expect(confError(conf("cert =", ...FILES.slice(1), "[renewalparams]")).message).toBe('no "cert" path');
    expect(confError(conf("cert = /a, /b", ...FILES.slice(1), "[renewalparams]")).message).toBe('no "cert" path');
  });

  it("refuses a conf without [renewalparams]", () => {
    expect(confError(conf(...FILES)).message).toBe("no [renewalparams] section: certbot does not know how to renew it");
    // File paths inside a section are not the lineage's paths.
    expect(confError(conf("[renewalparams]", ...FILES)).message).toBe('no "cert" path');
  });

  it("refuses a list where one value belongs", () => {
    expect(confError(conf(...FILES, "[renewalparams]", "authenticator = webroot, standalone")).message).toBe('"authenticator" must be a single value');
    expect(confError(conf(...FILES, "[renewalparams]", "[[webroot_map]]", "a.example = /w1, /w2")).message).toBe('webroot_map entry "a.example" must be a single path');
  });

  it("refuses duplicate keys and too-deep nesting", () => {
    expect(confError(conf(...FILES, "cert = /other.pem", "[renewalparams]")).message).toBe('line 5: duplicate key "cert"');
    expect(confError(conf(...FILES, "[[webroot_map]]", "a = /w")).message).toBe('line 5: section "webroot_map" is nested too deeply');
  });
});
