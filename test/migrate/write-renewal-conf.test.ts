// The renewal conf writer against certbot's own: Python configobj (what certbot 2.1 loads and writes renewal confs
// with) applying the same change. For confs certbot wrote, the bytes are identical; for hand-edited ones, every line
// the change does not touch stays as it was and configobj reads the same values.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { removeRenewalParams, switchToWebroot } from "../../src/certbot/write-renewal-conf.js";
import { configobjEdit, configobjParse } from "./configobj-oracle.js";

const fixture = (name: string): string => readFileSync(path.resolve("fixtures/renewal", name), "utf8");

const HEADER = `# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = /etc/letsencrypt/archive/app.example.com
cert = /etc/letsencrypt/live/app.example.com/cert.pem
privkey = /etc/letsencrypt/live/app.example.com/privkey.pem
chain = /etc/letsencrypt/live/app.example.com/chain.pem
fullchain = /etc/letsencrypt/live/app.example.com/fullchain.pem

# Options used in the renewal process
[renewalparams]
`;

const CASES: { name: string; text: string; domains: string[]; remove: string[] }[] = [
  { name: "certbot's standalone conf with stop/start hooks", text: fixture("certbot-2-standalone.conf"), domains: ["jenkins.example.com", "www.jenkins.example.com"], remove: ["pre_hook", "post_hook"] },
  { name: "a webroot conf elsewhere, with a map for other names", text: fixture("certbot-2-webroot.conf"), domains: ["shop.example.com", "new.example.com"], remove: [] },
  { name: "webroot with two paths and extra hooks", text: fixture("certbot-2-hooks.conf"), domains: ["api.example.com"], remove: [] },
  {
    name: "the nginx plugin, with its installer",
    text: `${HEADER}account = 0123\nauthenticator = nginx\ninstaller = nginx\nserver = https://acme-v02.api.letsencrypt.org/directory\nkey_type = ecdsa\n`,
    domains: ["app.example.com"],
    remove: [],
  },
  {
    name: "hooks with their own comments, a trailing comment block, http01 settings kept",
    text: `${HEADER}account = 0123\n# stop nginx for port 80\npre_hook = service nginx stop\n\n# and start it again\npost_hook = service nginx start\nauthenticator = standalone\nhttp01_port = 80\nserver = https://acme-v02.api.letsencrypt.org/directory\nkey_type = rsa\n\n# end of file\n`,
    domains: ["app.example.com", "www.app.example.com"],
    remove: ["pre_hook", "post_hook"],
  },
  {
    name: "an empty [[webroot_map]]",
    text: `${HEADER}account = 0123\nauthenticator = webroot\nwebroot_path = /srv/old,\nserver = https://acme-v02.api.letsencrypt.org/directory\n[[webroot_map]]\n`,
    domains: ["app.example.com"],
    remove: [],
  },
];

describe("switchToWebroot", () => {
  it.each(CASES.map((entry) => [entry.name, entry] as const))("%s: byte for byte what configobj writes", async (_name, entry) => {
    const ours = switchToWebroot(entry.text, { webroot: "/var/www/acme-challenge", domains: entry.domains, removeKeys: entry.remove });
    const theirs = await configobjEdit({ text: entry.text, mode: "webroot", webroot: "/var/www/acme-challenge", domains: entry.domains, remove: entry.remove });
    expect(ours.ok).toBe(true);
    if (ours.ok) expect(ours.text).toBe(theirs.text);
  });

  it("leaves a hand-edited conf's other lines alone, and configobj reads what certbot would have written", async () => {
    const text = `${HEADER}account=0123\npre_hook   =   systemctl stop nginx   \nauthenticator =standalone   # was webroot once\nserver = https://acme-v02.api.letsencrypt.org/directory\n  key_type = ecdsa\n`;
    const ours = switchToWebroot(text, { webroot: "/var/www/acme-challenge", domains: ["app.example.com"], removeKeys: ["pre_hook"] });
    expect(ours.ok).toBe(true);
    if (!ours.ok) return;
    const theirs = await configobjEdit({ text, mode: "webroot", webroot: "/var/www/acme-challenge", domains: ["app.example.com"], remove: ["pre_hook"] });
    expect(await configobjParse(ours.text)).toEqual(theirs.dict);
    expect(ours.text).toContain("account=0123\n");
    expect(ours.text).toContain("  key_type = ecdsa\n");
    expect(ours.text).not.toContain("pre_hook");
  });

  it("refuses what it cannot write as certbot would", () => {
    expect(switchToWebroot("[renewalparams]\nauthenticator = standalone\nkey = '''a\nb'''\n", { webroot: "/w", domains: ["a"], removeKeys: [] })).toEqual({ ok: false, reason: "multi-line values are not supported" });
    expect(switchToWebroot("cert = x\n", { webroot: "/w", domains: ["a"], removeKeys: [] })).toEqual({ ok: false, reason: "no [renewalparams] section" });
    expect(switchToWebroot("[renewalparams]\nserver = x\n", { webroot: "/w", domains: ["a"], removeKeys: [] })).toEqual({ ok: false, reason: "no authenticator in [renewalparams]" });
    expect(switchToWebroot("[renewalparams]\nauthenticator = nginx\n", { webroot: "/srv/a,b", domains: ["a"], removeKeys: [] }).ok).toBe(false);
  });
});

describe("removeRenewalParams", () => {
  it("removes only the named keys (with their comments), as configobj does", async () => {
    const text = fixture("certbot-2-standalone.conf");
    const ours = removeRenewalParams(text, ["pre_hook", "post_hook"]);
    const theirs = await configobjEdit({ text, mode: "remove", remove: ["pre_hook", "post_hook"] });
    expect(ours).toEqual({ ok: true, text: theirs.text });
  });
});
