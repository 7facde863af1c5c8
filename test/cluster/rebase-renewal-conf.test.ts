// A renewal conf from the issuer made a node's own, judged by certbot's own configobj (the oracle): paths point into the
// node's letsencrypt dir and webroot, autorenew is certbot's switch, every other value stays.
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { isAutorenewEnabled, rebaseRenewalConf, setAutorenew } from "../../src/cluster/rebase-renewal-conf.js";
import { findCertbotPython, oracleCheck } from "../helpers/certbot-python.js";

const ISSUER_CONF = `# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = /srv/issuer/letsencrypt/archive/app.example.com
cert = /srv/issuer/letsencrypt/live/app.example.com/cert.pem
privkey = /srv/issuer/letsencrypt/live/app.example.com/privkey.pem
chain = /srv/issuer/letsencrypt/live/app.example.com/chain.pem
fullchain = /srv/issuer/letsencrypt/live/app.example.com/fullchain.pem

# Options used in the renewal process
[renewalparams]
account = 0123456789abcdef0123456789abcdef
authenticator = webroot
webroot_path = /srv/issuer/acme, /var/www/other,
server = https://acme.example/dir
key_type = ecdsa
config_dir = /srv/issuer/letsencrypt
work_dir = /srv/issuer/work
logs_dir = /srv/issuer/logs
[[webroot_map]]
app.example.com = /srv/issuer/acme
www.app.example.com = /var/www/other
`;

const TO = { letsencryptDir: "/etc/letsencrypt", workDir: "/var/lib/letsencrypt", logsDir: "/var/log/letsencrypt", webroot: "/var/www/acme-challenge" };
const check = oracleCheck();

async function readWithConfigobj(text: string): Promise<Record<string, unknown>> {
  const found = findCertbotPython();
  if (!("python" in found)) throw new Error(found.missing);
  const script = `
import json, sys, configobj
conf = configobj.ConfigObj(sys.stdin.read().splitlines(), encoding="utf-8", default_encoding="utf-8")
params = conf["renewalparams"]
autorenew = "autorenew" not in params or params.as_bool("autorenew")
print(json.dumps({"top": {k: conf[k] for k in conf.scalars}, "params": {k: params[k] for k in params.scalars}, "map": dict(params.get("webroot_map", {})), "autorenew": autorenew}))
`;
  const { stdout } = await execa(found.python, ["-c", script], { input: text });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe.skipIf(check.skip)("rebaseRenewalConf, as certbot's configobj reads the result", () => {
  it("points every path at the node's directories and switches autorenew off", async () => {
    const text = rebaseRenewalConf(ISSUER_CONF, { name: "app.example.com", fromWebroot: "/srv/issuer/acme", to: TO, autorenew: false });
    expect(await readWithConfigobj(text)).toEqual({
      top: {
        version: "2.1.0",
        archive_dir: "/etc/letsencrypt/archive/app.example.com",
        cert: "/etc/letsencrypt/live/app.example.com/cert.pem",
        privkey: "/etc/letsencrypt/live/app.example.com/privkey.pem",
        chain: "/etc/letsencrypt/live/app.example.com/chain.pem",
        fullchain: "/etc/letsencrypt/live/app.example.com/fullchain.pem",
      },
      params: {
        account: "0123456789abcdef0123456789abcdef",
        authenticator: "webroot",
        webroot_path: ["/var/www/acme-challenge", "/var/www/other"],
        server: "https://acme.example/dir",
        key_type: "ecdsa",
        config_dir: "/etc/letsencrypt",
        work_dir: "/var/lib/letsencrypt",
        logs_dir: "/var/log/letsencrypt",
        autorenew: "False",
      },
      map: { "app.example.com": "/var/www/acme-challenge", "www.app.example.com": "/var/www/other" },
      autorenew: false,
    });
    expect(isAutorenewEnabled(text)).toBe(false);
  });

  it("switches autorenew back on by removing the line, as certbot's default", async () => {
    const off = setAutorenew(ISSUER_CONF, false)!;
    const on = setAutorenew(off, true)!;
    expect(on).toBe(ISSUER_CONF);
    expect(((await readWithConfigobj(on)) as { autorenew: boolean }).autorenew).toBe(true);
    expect(isAutorenewEnabled(on)).toBe(true);
    expect(setAutorenew("version = 2.1.0\n", false)).toBeUndefined();
  });
});
