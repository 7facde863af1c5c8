// The pure checks doctor runs besides the challenge path: how each lineage renews, ssl_certificate paths,
// schedulers, and the modes of hooks and keys.
import { describe, expect, it } from "vitest";
import { parseRenewalConf } from "../../src/certbot/renewal-conf.js";
import { checkCertificatePaths, covers } from "../../src/checks/certificate-path-findings.js";
import { checkLineageConf, effectiveWebroots, nginxOnlyHookKeys } from "../../src/checks/lineage-findings.js";
import { checkHookPermissions, checkKeyPermissions, writableByNonRoot } from "../../src/checks/permission-findings.js";
import { checkSchedulers, readCronRenewals } from "../../src/checks/scheduler-findings.js";
import { buildConfigTree } from "../../src/nginx/config-tree.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";
import { describeServers } from "../../src/nginx/virtual-servers.js";

const HEAD = "cert = /le/live/a/cert.pem\nprivkey = /le/live/a/privkey.pem\nchain = /le/live/a/chain.pem\nfullchain = /le/live/a/fullchain.pem\n[renewalparams]\n";
const conf = (params: string) => parseRenewalConf(HEAD + params);
const lineage = (params: string) => ({ name: "a", confPath: "/le/renewal/a.conf", conf: conf(params), confError: undefined, domains: ["a.example", "www.a.example"] });
const codes = (params: string, exists = true) => checkLineageConf(lineage(params), { commandExists: () => exists }).map((item) => `${item.code}:${item.severity}`);

describe("checkLineageConf", () => {
  it("standalone: an error while nothing stops nginx, a warning (downtime) when hooks do", () => {
    expect(codes("authenticator = standalone\n")).toEqual(["AUTHENTICATOR_STANDALONE:error"]);
    expect(codes("authenticator = standalone\npre_hook = service nginx stop\npost_hook = service nginx start\n")).toEqual(["AUTHENTICATOR_STANDALONE:warning", "HOOK_STOPS_NGINX:warning"]);
  });

  it("the nginx plugin, a manual authenticator without a hook, webroot without a place", () => {
    expect(codes("authenticator = nginx\ninstaller = nginx\n")).toEqual(["AUTHENTICATOR_NGINX:warning"]);
    expect(codes("authenticator = manual\n")).toEqual(["AUTHENTICATOR_MANUAL:error"]);
    expect(codes("authenticator = manual\nmanual_auth_hook = /usr/local/bin/dns-hook\n")).toEqual([]);
    expect(codes("authenticator = webroot\n")).toEqual(["WEBROOT_MAP_EMPTY:error"]);
    expect(codes("authenticator = webroot\nwebroot_path = /srv/a,\n")).toEqual(["WEBROOT_MAP_EMPTY:warning"]);
    expect(codes("authenticator = webroot\nwebroot_path = /srv/a,\n[[webroot_map]]\na.example = /srv/a\n")).toEqual([]);
    expect(codes("authenticator = dns-cloudflare\n")).toEqual([]);
  });

  it("a restart in a webroot lineage's hooks, and a hook whose program does not exist", () => {
    expect(codes("authenticator = webroot\nwebroot_path = /w,\n[[webroot_map]]\na.example = /w\n".replace("authenticator", "renew_hook = systemctl restart nginx\nauthenticator"))).toEqual(["HOOK_STOPS_NGINX:warning"]);
    expect(codes("authenticator = dns-x\npost_hook = /opt/gone/notify --all\n", false)).toEqual(["HOOK_MISSING:error"]);
  });

  it("an unreadable conf is reported, not thrown", () => {
    const [item] = checkLineageConf({ name: "a", confPath: "/le/renewal/a.conf", conf: undefined, confError: "line 3: duplicate key", domains: [] }, { commandExists: () => true });
    expect(item).toMatchObject({ code: "RENEWAL_CONF_INVALID", severity: "error", lineage: "a", file: "/le/renewal/a.conf" });
  });

  it("knows which hooks only touch nginx, and where certbot puts each domain's token", () => {
    expect(nginxOnlyHookKeys(conf("pre_hook = service nginx stop\npost_hook = service nginx start\nrenew_hook = systemctl reload nginx\nauthenticator = standalone\n"))).toEqual(["pre_hook", "post_hook"]);
    expect(nginxOnlyHookKeys(conf("pre_hook = service nginx stop && backup.sh\nauthenticator = standalone\n"))).toEqual([]);
    const webroot = conf("authenticator = webroot\nwebroot_path = /one, /two\n[[webroot_map]]\na.example = /mapped\n");
    expect([...effectiveWebroots(webroot, ["a.example", "b.example"])]).toEqual([["a.example", "/mapped"], ["b.example", "/two"]]);
  });
});

describe("checkCertificatePaths", () => {
  const servers = (text: string) => {
    const tree = buildConfigTree([{ file: "/etc/nginx/nginx.conf", directives: parseNginxConfig(`http {\n${text}\n}`) }]);
    return { servers: describeServers(tree), http: tree.http };
  };
  const check = (text: string, links: Record<string, string> = {}) => {
    const { servers: list, http } = servers(text);
    return checkCertificatePaths(list, http, {
      letsencryptDir: "/etc/letsencrypt",
      lineages: [{ name: "a.example", domains: ["a.example", "www.a.example"] }, { name: "wild", domains: ["*.b.example", "b.example"] }],
      confDir: "/etc/nginx",
      linkTarget: (file) => links[file],
    }).map((item) => `${item.code}:${item.lineage}:${item.line}`);
  };

  it("archive/ paths, uncovered names, lineages that do not exist, copies a lineage renews", () => {
    expect(check("server { listen 443 ssl; server_name a.example; ssl_certificate /etc/letsencrypt/archive/a.example/fullchain3.pem; }")).toEqual(["SSL_CERT_ARCHIVE:a.example:2"]);
    expect(check("server { listen 443 ssl; server_name a.example api.a.example; ssl_certificate /etc/letsencrypt/live/a.example/fullchain.pem; }")).toEqual(["SSL_CERT_NAMES:a.example:2"]);
    expect(check("server { listen 443 ssl; server_name x.b.example b.example; ssl_certificate /etc/letsencrypt/live/wild/fullchain.pem; }")).toEqual([]);
    expect(check("server { listen 443 ssl; server_name c.example; ssl_certificate /etc/letsencrypt/live/gone/fullchain.pem; }")).toEqual(["SSL_CERT_UNOWNED:null:2"]);
    expect(check("server { listen 443 ssl; server_name www.a.example; ssl_certificate ssl/www.pem; }")).toEqual(["SSL_CERT_UNOWNED:a.example:2"]);
    expect(check("server { listen 443 ssl; server_name intranet; ssl_certificate /etc/ssl/certs/ssl-cert-snakeoil.pem; }")).toEqual([]);
    expect(check("server { listen 443 ssl; server_name a.example; ssl_certificate /etc/nginx/a.pem; }", { "/etc/nginx/a.pem": "/etc/letsencrypt/live/a.example/fullchain.pem" })).toEqual([]);
  });

  it("an ssl_certificate inherited from http { } counts for the server", () => {
    expect(check("ssl_certificate /etc/letsencrypt/archive/a.example/fullchain1.pem;\nserver { listen 443 ssl; server_name a.example; }")).toEqual(["SSL_CERT_ARCHIVE:a.example:2"]);
  });

  it("matches wildcards as TLS clients do: one label", () => {
    expect(covers("*.b.example", "x.b.example")).toBe(true);
    expect(covers("*.b.example", "y.x.b.example")).toBe(false);
    expect(covers("*.b.example", "b.example")).toBe(false);
  });
});

describe("schedulers", () => {
  const debianCron = "SHELL=/bin/sh\n0 */12 * * * root test -x /usr/bin/certbot -a \\! -d /run/systemd/system && perl -e 'sleep int(rand(43200))' && certbot -q renew\n";
  it("Debian's cron job only counts where systemd does not run", () => {
    expect(readCronRenewals("/etc/cron.d/certbot", debianCron, true)[0]!.active).toBe(false);
    expect(readCronRenewals("/etc/cron.d/certbot", debianCron, false)[0]!.active).toBe(true);
  });
  it("two active schedulers are a finding naming the second; one is fine", () => {
    const timer = { where: "certbot.timer", line: null, text: "systemctl enable certbot.timer", active: true };
    const cron = readCronRenewals("/var/spool/cron/crontabs/root", "# m h\n30 3 * * * /usr/bin/certbot renew --quiet\n", true);
    expect(checkSchedulers([timer])).toEqual([]);
    expect(checkSchedulers([timer, ...cron]).map((item) => `${item.code}:${item.file}:${item.line}`)).toEqual(["SCHEDULER_DUPLICATE:/var/spool/cron/crontabs/root:2"]);
    expect(checkSchedulers([timer, ...readCronRenewals("/etc/cron.d/certbot", debianCron, true)])).toEqual([]);
  });
});

describe("permissions", () => {
  const entry = (mode: number, uid = 0, gid = 0) => ({ path: "/le/renewal-hooks/deploy/x", mode, uid, gid, directory: false });
  it("hooks writable by anyone but root", () => {
    expect(writableByNonRoot(entry(0o755))).toBe(false);
    expect(writableByNonRoot(entry(0o775))).toBe(false);
    expect(writableByNonRoot(entry(0o775, 0, 33))).toBe(true);
    expect(writableByNonRoot(entry(0o757))).toBe(true);
    expect(writableByNonRoot(entry(0o755, 1000))).toBe(true);
    expect(checkHookPermissions([entry(0o777)])[0]).toMatchObject({ code: "HOOK_WRITABLE", severity: "error", fix: "chown root:root /le/renewal-hooks/deploy/x && chmod go-w /le/renewal-hooks/deploy/x" });
  });
  it("private keys readable by others, or by a group other than root's", () => {
    const key = (mode: number, gid = 0) => ({ path: "/le/archive/a/privkey1.pem", mode, uid: 0, gid, directory: false, lineage: "a" });
    expect(checkKeyPermissions([key(0o600), key(0o640)])).toEqual([]);
    expect(checkKeyPermissions([key(0o644)]).map((item) => `${item.code}:${item.lineage}`)).toEqual(["KEY_READABLE:a"]);
    expect(checkKeyPermissions([key(0o640, 101)])).toHaveLength(1);
  });
});

describe("checkHookScripts", () => {
  it("a line in a renewal-hooks script that stops or restarts nginx, with its file and line", async () => {
    const { checkHookScripts } = await import("../../src/checks/hook-script-findings.js");
    const scripts = [
      { file: "/le/renewal-hooks/pre/stop-nginx.sh", text: "#!/bin/sh\n# free port 80\nsystemctl stop nginx\n" },
      { file: "/le/renewal-hooks/deploy/reload.sh", text: "#!/bin/sh\nsystemctl reload nginx\ncp \"$RENEWED_LINEAGE/fullchain.pem\" /srv/\n" },
    ];
    expect(checkHookScripts(scripts).map((item) => `${item.code}:${item.file}:${item.line}`)).toEqual(["HOOK_STOPS_NGINX:/le/renewal-hooks/pre/stop-nginx.sh:3"]);
  });
});
