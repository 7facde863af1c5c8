// The challenge prediction on configurations given as text, and how a failing probe becomes a finding: the code
// names the reason the configuration gives, the file and line the directive that decides, the repair the block.
import { describe, expect, it } from "vitest";
import { judgeChallenge } from "../../src/checks/challenge-findings.js";
import { predictChallenge } from "../../src/checks/predict-challenge.js";
import { buildConfigTree } from "../../src/nginx/config-tree.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";
import { describeServers } from "../../src/nginx/virtual-servers.js";

const SNIPPET = "/etc/nginx/snippets/ngcert-acme.conf";
const SITE = "/etc/nginx/sites-enabled/site";
const WEBROOT = "/var/www/acme-challenge";

function configOf(site: string) {
  const files = [
    { file: "/etc/nginx/nginx.conf", directives: parseNginxConfig("http { include /etc/nginx/sites-enabled/*; }") },
    { file: SITE, directives: parseNginxConfig(site) },
    { file: SNIPPET, directives: parseNginxConfig(`location ^~ /.well-known/acme-challenge/ { root ${WEBROOT}; auth_basic off; satisfy any; allow all; try_files $uri =404; }`) },
  ];
  const tree = buildConfigTree(files);
  return { servers: describeServers(tree), http: tree.http, prefix: "/usr/share/nginx" };
}

function predict(site: string, domain = "a.example") {
  return predictChallenge(configOf(site), { domain, webroot: WEBROOT, token: "tok", httpPort: 80, httpsPort: 443, addressFor: () => "127.0.0.1" });
}

function judge(site: string, domain = "a.example") {
  const prediction = predict(site, domain);
  const judged = judgeChallenge(prediction, { domain, ok: false, hops: [], seen: "HTTP 404" }, { lineage: "a", snippetPath: SNIPPET, catchAllPath: "/etc/nginx/conf.d/ngcert-acme.conf", servers: configOf(site).servers, purpose: "the shared webroot" });
  return judged && { code: judged.finding.code, line: judged.finding.line, repair: judged.repair && `${judged.repair.kind}:${judged.repair.line}` };
}

describe("predictChallenge", () => {
  it("passes through an included snippet, and follows redirects to another name or to https", () => {
    expect(predict(`server { listen 80; server_name a.example; include ${SNIPPET}; return 404; }`).ok).toBe(false);
    expect(predict(`server { listen 80; server_name a.example; include ${SNIPPET}; location / { return 404; } }`).ok).toBe(true);
    expect(predict(`server { listen 80; server_name a.example; return 301 http://b.example$request_uri; }\nserver { listen 80; server_name b.example; include ${SNIPPET}; }`).ok).toBe(true);
    expect(predict(`server { listen 80; server_name a.example; return 301 https://$host$request_uri; }\nserver { listen 443 ssl; server_name a.example; include ${SNIPPET}; }`).ok).toBe(true);
  });

  it("stops where the CA stops: another port, another scheme, ten requests", () => {
    expect(predict("server { listen 80; server_name a.example; return 301 https://$host:8443$request_uri; }")).toMatchObject({ ok: false, redirectStopped: true });
    expect(predict("server { listen 80; server_name a.example; return 301 ftp://$host/; }")).toMatchObject({ ok: false, redirectStopped: true });
    const loop = predict("server { listen 80; server_name a.example; return 302 http://$host$request_uri; }");
    expect(loop).toMatchObject({ ok: false, redirectStopped: true });
    expect(loop.hops).toHaveLength(10);
  });

  it("cannot tell what depends on the client: a map variable, auth_request", () => {
    expect(predict("map $remote_addr $to { default x; }\nserver { listen 80; server_name a.example; return 301 https://$to$request_uri; }".replace("map", "# map")).ok).toBeUndefined();
    expect(predict("server { listen 80; server_name a.example; auth_request /auth; root /x; }").ok).toBeUndefined();
  });
});

describe("judgeChallenge", () => {
  it.each([
    ["no block for the port", "server { listen 8080; server_name a.example; }", { code: "CHALLENGE_NO_SERVER", line: null, repair: undefined }],
    ["server-level redirect", "server {\n listen 80;\n server_name a.example;\n return 301 https://$host$request_uri;\n}", { code: "CHALLENGE_SERVER_REDIRECT", line: 4, repair: "move-redirect:1" }],
    ["server-level 444", "server {\n listen 80;\n server_name a.example;\n return 444;\n}", { code: "CHALLENGE_SERVER_RETURN", line: 4, repair: "move-redirect:1" }],
    ["a dotfile rule wins", "server {\n listen 80;\n server_name a.example;\n root /srv;\n location ~ /\\. { deny all; }\n}", { code: "CHALLENGE_REGEX_LOCATION", line: 1, repair: "add-include:1" }],
    ["its own location elsewhere", "server {\n listen 80;\n server_name a.example;\n location /.well-known/acme-challenge/ {\n  root /var/www/le;\n }\n}", { code: "CHALLENGE_OWN_LOCATION", line: 4, repair: "own-location:4" }],
    ["basic auth", "server {\n listen 80;\n server_name a.example;\n auth_basic on;\n root /srv;\n}", { code: "CHALLENGE_AUTH", line: 1, repair: "add-include:1" }],
    ["try_files to php", "server {\n listen 80;\n server_name a.example;\n location / { try_files $uri /index.php; }\n location ~ \\.php$ { fastcgi_pass 127.0.0.1:9; }\n}", { code: "CHALLENGE_TRY_FILES", line: 1, repair: "add-include:1" }],
    ["proxied", "server {\n listen 80;\n server_name a.example;\n location / { proxy_pass http://127.0.0.1:8080; }\n}", { code: "CHALLENGE_PROXIED", line: 1, repair: "add-include:1" }],
    ["implicit default", "server {\n listen 80;\n server_name other.example;\n root /srv;\n}", { code: "CHALLENGE_DEFAULT_SERVER", line: 1, repair: "add-include:1" }],
    ["conflicting names", "server {\n listen 80;\n server_name a.example;\n root /old;\n}\nserver {\n listen 80;\n server_name a.example;\n include /etc/nginx/snippets/ngcert-acme.conf;\n}", { code: "CHALLENGE_CONFLICTING_NAME", line: 1, repair: "add-include:1" }],
    ["listen address", "server {\n listen 80;\n server_name a.example;\n include /etc/nginx/snippets/ngcert-acme.conf;\n}\nserver {\n listen 127.0.0.1:80;\n server_name status;\n return 404;\n}", { code: "CHALLENGE_LISTEN_ADDRESS", line: 6, repair: undefined }],
  ])("%s", (_name, site, expected) => {
    expect(judge(site)).toEqual(expected);
  });

  it("reports nothing when the probe passes, and an unexplained failure as such", () => {
    const site = `server { listen 80; server_name a.example; include ${SNIPPET}; }`;
    const prediction = predict(site);
    const context = { lineage: "a", snippetPath: SNIPPET, catchAllPath: "/c", servers: configOf(site).servers, purpose: "the shared webroot" };
    expect(judgeChallenge(prediction, { domain: "a.example", ok: true, hops: [], seen: "" }, context)).toBeUndefined();
    expect(judgeChallenge(prediction, { domain: "a.example", ok: false, hops: [], seen: "HTTP 403" }, context)?.finding).toMatchObject({ code: "CHALLENGE_UNEXPLAINED", severity: "error" });
  });
});
