// readRenewalConf: what ngcert takes from renewal/<name>.conf, and certbot's reasons for refusing one (the differential
// suites check the same against certbot itself; these pin the messages).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRenewalConf, readRenewalConf, RenewalConfError } from "../../src/certbot/renewal-conf.js";

const fixture = (name: string): Buffer => readFileSync(new URL(`../../fixtures/renewal/${name}`, import.meta.url));

const FILES = ["cert = /le/live/a/cert.pem", "privkey = /le/live/a/privkey.pem", "chain = /le/live/a/chain.pem", "fullchain = /le/live/a/fullchain.pem"];
const conf = (...lines: string[]): Buffer => Buffer.from(`${lines.join("\n")}\n`);
const read = (...lines: string[]) => readRenewalConf(conf(...lines));

describe("readRenewalConf on confs certbot wrote", () => {
  it("reads certbot 2.x's webroot conf", () => {
    const files = {
      cert: "/etc/letsencrypt/live/shop.example.com/cert.pem",
      privkey: "/etc/letsencrypt/live/shop.example.com/privkey.pem",
      chain: "/etc/letsencrypt/live/shop.example.com/chain.pem",
      fullchain: "/etc/letsencrypt/live/shop.example.com/fullchain.pem",
    };
    expect(readRenewalConf(fixture("certbot-2-webroot.conf"))).toEqual({
      files,
      filePaths: files,
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
      loadRefusal: undefined,
      renewRefusal: undefined,
    });
  });

  it("reads a standalone conf: no webroot at all", () => {
    const parsed = readRenewalConf(fixture("certbot-2-standalone.conf"));
    expect([parsed.authenticator, parsed.keyType, parsed.webrootPath, parsed.webrootMap, parsed.params.pre_hook]).toEqual(["standalone", "rsa", [], {}, "systemctl stop nginx"]);
  });

  it("reads several webroot paths, hooks with quotes, and a single path written without the trailing comma", () => {
    const parsed = readRenewalConf(fixture("certbot-2-hooks.conf"));
    expect(parsed.webrootPath).toEqual(["/var/www/acme-challenge", "/srv/legacy-acme"]);
    expect(parsed.params.deploy_hook).toBe('cp "$RENEWED_LINEAGE/fullchain.pem" /srv/app/tls/');
    expect(read(...FILES, "[renewalparams]", "authenticator = webroot", "webroot_path = /w").webrootPath).toEqual(["/w"]);
  });

  it("reads the hook certbot writes in triple quotes when it holds both kinds of quote", () => {
    const parsed = read(...FILES, "[renewalparams]", "authenticator = webroot", `post_hook = '''echo "it's done"'''`);
    expect([parsed.authenticator, parsed.params.post_hook, parsed.renewRefusal]).toEqual(["webroot", `echo "it's done"`, undefined]);
  });

  it("needs no [[webroot_map]] or archive_dir, and interpolates values as certbot reads them", () => {
    expect(read(...FILES, "[renewalparams]", "authenticator = nginx", "installer = nginx")).toMatchObject({ archiveDir: undefined, authenticator: "nginx", installer: "nginx", webrootMap: {} });
    expect(read(...FILES, "plugin = webroot", "[renewalparams]", "authenticator = %(plugin)s").authenticator).toBe("webroot");
  });

  it("parseRenewalConf returns the four paths, or throws certbot's reason", () => {
    expect(parseRenewalConf(fixture("certbot-2-webroot.conf")).cert).toBe("/etc/letsencrypt/live/shop.example.com/cert.pem");
    expect(() => parseRenewalConf(conf(...FILES))).toThrow(new RenewalConfError("it lacks renewalparams"));
  });
});

describe("readRenewalConf: why certbot would not load it", () => {
  it("refuses what configobj cannot parse or Python cannot decode, and still learns where it points", () => {
    const broken = read(...FILES, "[renewalparams", "authenticator = webroot");
    expect(broken.loadRefusal).toBe("error parsing it: Invalid line ('[renewalparams') (matched as neither section nor keyword) at line 5.");
    expect(broken.files?.cert).toBe("/le/live/a/cert.pem");
    expect(read(...FILES, "cert = /other.pem").loadRefusal).toBe("error parsing it: Duplicate keyword name at line 5.");
    const undecodable = readRenewalConf(Buffer.concat([conf(...FILES), Buffer.from([0x23, 0x20, 0xe9, 0x0a])]));
    expect([undecodable.loadRefusal, undecodable.files?.fullchain]).toEqual(["'utf-8' codec can't decode byte 0xe9 in position 2: invalid continuation byte", "/le/live/a/fullchain.pem"]);
  });

  it("refuses a conf missing any of the four file references", () => {
    for (const key of ["cert", "privkey", "chain", "fullchain"]) {
      const parsed = read(...FILES.filter((line) => !line.startsWith(`${key} =`)), "[renewalparams]", "authenticator = webroot");
      expect([parsed.loadRefusal, parsed.files]).toEqual([`renewal config file is missing a required file reference (no "${key}")`, undefined]);
    }
  });

  it("refuses a file reference that is a list or a section, and a version certbot cannot parse", () => {
    expect(read("cert = /a, /b", ...FILES.slice(1), "[renewalparams]", "authenticator = webroot").loadRefusal).toBe("expected str, bytes or os.PathLike object, not list");
    expect(read(...FILES.slice(1), "[renewalparams]", "authenticator = webroot", "[cert]").loadRefusal).toBe("expected str, bytes or os.PathLike object, not Section");
    expect(read("version = 2.1.0+debian", ...FILES, "[renewalparams]", "authenticator = webroot").loadRefusal).toBeUndefined();
    expect(read("version = latest", ...FILES, "[renewalparams]", "authenticator = webroot").loadRefusal).toBe("Invalid version: 'latest'");
  });

  it("refuses a root value whose interpolation fails", () => {
    expect(read("archive_dir = /le/archive/%(name)s", ...FILES, "[renewalparams]", "authenticator = webroot").loadRefusal).toBe('missing option "name" in interpolation.');
  });
});

describe("readRenewalConf: why certbot renew would skip it", () => {
  const params = (...lines: string[]) => read(...FILES, "[renewalparams]", ...lines).renewRefusal;

  it("without [renewalparams] or an authenticator", () => {
    expect(read(...FILES).renewRefusal).toBe("it lacks renewalparams");
    expect(params("server = https://acme.example/dir")).toBe("it does not specify an authenticator");
  });

  it("with a value it cannot convert", () => {
    expect(params("authenticator = webroot", "reuse_key = yes")).toBe("Expected True or False for reuse_key but found yes");
    expect(params("authenticator = webroot", "rsa_key_size = 2k")).toBe("Expected a numeric value for rsa_key_size");
    expect(params("authenticator = webroot", "pref_challs = smtp-01,")).toBe("Unrecognized challenges: smtp-01");
    expect(params("authenticator = webroot", "post_hook = echo %(nope)s")).toBe('missing option "nope" in interpolation.');
  });

  it("but not with what Python converts", () => {
    expect(params("authenticator = webroot", "reuse_key = FALSE", "rsa_key_size =  +4_096 ", "http01_port = None", "pref_challs = http, dns-01")).toBeUndefined();
  });
});
