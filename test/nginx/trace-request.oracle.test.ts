// traceRequest's prediction against what a real nginx does with the same request: which block answers, which
// location, redirects, denials, auth, try_files, aliases, proxies. Every file the cases create holds its own path, so
// a 200 names the file nginx served.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findServersForName } from "../../src/checks/names-served.js";
import { traceRequest, type TraceRequest } from "../../src/nginx/trace-request.js";
import { requirePrograms } from "../world/programs.js";
import { startOracle, type Answer, type Oracle } from "./oracle/nginx-oracle.js";

const programs = requirePrograms();
const T = "/.well-known/acme-challenge/tok3n_-X";

interface Probe {
  host: string;
  path?: string;
  scheme?: "http" | "https";
  address?: string;
  /** The world's ports; "alt" for a case that binds the wildcard address (nginx cannot add it beside 127.0.0.1). */
  port?: "http" | "https" | "alt";
}

interface Case {
  name: string;
  config: string;
  files?: string[];
  probes: Probe[];
}

const ssl = "ssl_certificate {{CERT}}; ssl_certificate_key {{KEY}};";

const CASES: Case[] = [
  {
    name: "server names: exact, leading and trailing wildcards, regex, default_server",
    config: `
server { listen 127.0.0.1:{{HTTP}}; server_name first.test; return 200 "first"; }
server { listen 127.0.0.1:{{HTTP}} default_server; server_name _; return 200 "default"; }
server { listen 127.0.0.1:{{HTTP}}; server_name exact.example.test *.example.test; return 200 "wild"; }
server { listen 127.0.0.1:{{HTTP}}; server_name *.deep.example.test; return 200 "deeper"; }
server { listen 127.0.0.1:{{HTTP}}; server_name www.*; return 200 "trailing"; }
server { listen 127.0.0.1:{{HTTP}}; server_name ~^(?<sub>[a-z]+)\\.regex\\.test$; return 200 "regex $sub"; }
server { listen 127.0.0.1:{{HTTP}}; server_name .dot.test; return 200 "dot"; }`,
    probes: [
      { host: "first.test" },
      { host: "FIRST.test." },
      { host: "nobody.test" },
      { host: "exact.example.test" },
      { host: "a.example.test" },
      { host: "a.deep.example.test" },
      { host: "www.anything.test" },
      { host: "abc.regex.test" },
      { host: "dot.test" },
      { host: "x.dot.test" },
      { host: "first.test:8080" },
    ],
  },
  {
    name: "implicit default: the first server listed, and a conflicting name keeps the first",
    config: `
server { listen 127.0.0.1:{{HTTP}}; server_name one.test; return 200 "one"; }
server { listen 127.0.0.1:{{HTTP}}; server_name two.test one.test; return 200 "two"; }`,
    probes: [{ host: "one.test" }, { host: "two.test" }, { host: "unknown.test" }],
  },
  {
    name: "a specific address takes the connection from the wildcard",
    config: `
server { listen {{ALT}}; server_name site.test; return 200 "wildcard-site"; }
server { listen 127.0.0.2:{{ALT}}; server_name other.test; return 200 "specific"; }`,
    probes: [
      { host: "site.test", address: "127.0.0.1", port: "alt" },
      { host: "site.test", address: "127.0.0.2", port: "alt" },
      { host: "other.test", address: "127.0.0.1", port: "alt" },
      { host: "site.test", address: "127.0.0.3", port: "alt" },
    ],
  },
  {
    name: "locations: longest prefix, ^~ against regex, exact, nested, dotfile denials",
    config: `
server {
    listen 127.0.0.1:{{HTTP}};
    server_name plain.test;
    root {{ROOT}}/www;
    location / { try_files $uri $uri/ =404; }
    location ~ /\\. { deny all; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name h5bp.test;
    root {{ROOT}}/www;
    location ~* /\\.(?!well-known\\/) { deny all; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name noregex.test;
    root {{ROOT}}/www;
    location ^~ /.well-known/acme-challenge/ { root {{ROOT}}/acme; }
    location ~ /\\. { deny all; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name prefix.test;
    location /.well-known/acme-challenge/ { root {{ROOT}}/acme; }
    location ~ /\\. { deny all; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name nested.test;
    root {{ROOT}}/www;
    location /.well-known/ {
        location /.well-known/acme-challenge/ { alias {{ROOT}}/alias/; }
        return 404;
    }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name exact.test;
    location = ${T} { return 200 "exact"; }
    location / { return 200 "prefix"; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name nofile.test;
    root {{ROOT}}/empty;
}`,
    files: [`www${T}`, `acme${T}`, "alias/tok3n_-X"],
    probes: [{ host: "plain.test" }, { host: "h5bp.test" }, { host: "noregex.test" }, { host: "prefix.test" }, { host: "nested.test" }, { host: "exact.test" }, { host: "nofile.test" }],
  },
  {
    name: "server-level return, rewrite and if run before any location",
    config: `
server {
    listen 127.0.0.1:{{HTTP}};
    server_name ret.test;
    return 301 https://$host$request_uri;
    location ^~ /.well-known/acme-challenge/ { root {{ROOT}}/acme; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name certbot.test www.certbot.test;
    if ($host = www.certbot.test) { return 301 https://$host$request_uri; }
    return 404;
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name rw.test;
    rewrite ^ https://$server_name:{{HTTPS}}$request_uri? permanent;
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name rel.test;
    location / { return 302 /elsewhere; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name scheme.test;
    if ($scheme = http) { return 307 https://scheme.test:{{HTTPS}}$request_uri; }
    root {{ROOT}}/www;
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name internal.test;
    rewrite ^/\\.well-known/(.*)$ /static/$1 last;
    location /static/ { alias {{ROOT}}/acme/.well-known/; }
}`,
    files: [`www${T}`, `acme${T}`],
    probes: [{ host: "ret.test" }, { host: "certbot.test" }, { host: "www.certbot.test" }, { host: "rw.test" }, { host: "rel.test" }, { host: "scheme.test" }, { host: "internal.test" }],
  },
  {
    name: "access: deny, auth_basic, and the snippet's overrides",
    config: `
server {
    listen 127.0.0.1:{{HTTP}};
    server_name auth.test;
    auth_basic "private";
    auth_basic_user_file {{ROOT}}/htpasswd;
    root {{ROOT}}/www;
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name open.test;
    auth_basic "private";
    auth_basic_user_file {{ROOT}}/htpasswd;
    deny all;
    location ^~ /.well-known/acme-challenge/ {
        root {{ROOT}}/acme;
        auth_basic off;
        satisfy any;
        allow all;
        try_files $uri =404;
    }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name denied.test;
    root {{ROOT}}/www;
    location / { deny all; }
}`,
    files: [`www${T}`, `acme${T}`, "htpasswd"],
    probes: [{ host: "auth.test" }, { host: "open.test" }, { host: "denied.test" }],
  },
  {
    name: "content: try_files fallbacks, named locations, proxies, internal",
    config: `
server {
    listen 127.0.0.1:{{HTTP}};
    server_name wp.test;
    root {{ROOT}}/wordpress;
    location / { try_files $uri $uri/ /index.php?$args; }
    location ~ \\.php$ { return 200 "php $uri"; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name named.test;
    root {{ROOT}}/empty;
    location / { try_files $uri @app; }
    location @app { proxy_pass {{UPSTREAM}}; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name proxy.test;
    location / { proxy_pass {{UPSTREAM}}; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name hidden.test;
    location /.well-known/ { internal; root {{ROOT}}/www; }
}
server {
    listen 127.0.0.1:{{HTTP}};
    server_name found.test;
    root {{ROOT}}/www;
    location / { try_files $uri @app; }
    location @app { proxy_pass {{UPSTREAM}}; }
}`,
    files: [`www${T}`],
    probes: [{ host: "wp.test" }, { host: "named.test" }, { host: "proxy.test" }, { host: "hidden.test" }, { host: "found.test" }],
  },
  {
    name: "HTTPS: the ssl listener chooses by name too",
    config: `
server { listen 127.0.0.1:{{HTTPS}} ssl; server_name a.oracle.test; ${ssl} root {{ROOT}}/www; }
server { listen 127.0.0.1:{{HTTPS}} ssl; server_name b.oracle.test; ${ssl} location / { proxy_pass {{UPSTREAM}}; } }
server {
    listen 127.0.0.1:{{HTTPS}} ssl;
    server_name c.oracle.test;
    ${ssl}
    include {{ROOT}}/snippet.conf;
    location / { proxy_pass {{UPSTREAM}}; }
}`,
    files: [`www${T}`, `acme${T}`],
    probes: [
      { host: "a.oracle.test", scheme: "https", port: "https" },
      { host: "b.oracle.test", scheme: "https", port: "https" },
      { host: "c.oracle.test", scheme: "https", port: "https" },
      { host: "z.oracle.test", scheme: "https", port: "https" },
    ],
  },
];

/** What the prediction says the real answer must look like. */
function agrees(prediction: ReturnType<typeof traceRequest>, answer: Answer): boolean {
  const outcome = prediction.outcome;
  switch (outcome.kind) {
    case "file":
      return answer.status === 200 && answer.body === outcome.path;
    case "redirect":
      return answer.status === outcome.status && answer.location === outcome.location;
    case "status":
      if (outcome.status === 444) return answer.status === 0;
      return answer.status === outcome.status && (outcome.text === undefined || answer.body === outcome.text);
    case "proxy":
      return answer.fromUpstream;
    case "refused":
      return answer.error === "ECONNREFUSED";
    case "unknown":
      return false;
  }
}

describe.skipIf(programs.skip)(`traceRequest against a real nginx${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let oracle: Oracle;
  beforeAll(async () => {
    oracle = await startOracle();
    await oracle.createFiles([]);
  });
  afterAll(async () => {
    await oracle?.stop();
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))("%s", async (_name, testCase) => {
    await oracle.createFiles(testCase.files ?? []);
    const { writeFile } = await import("node:fs/promises");
    await writeFile(`${oracle.root}/snippet.conf`, `location ^~ /.well-known/acme-challenge/ { root ${oracle.root}/acme; try_files $uri =404; }\n`);
    await oracle.load(testCase.config);
    const config = oracle.traceConfig(await oracle.readTree());
    const report: string[] = [];
    for (const probe of testCase.probes) {
      const scheme = probe.scheme ?? "http";
      const port = oracle.ports[probe.port ?? "http"];
      const request: TraceRequest = { scheme, address: probe.address ?? "127.0.0.1", port, host: probe.host, path: probe.path ?? T };
      const prediction = traceRequest(config, request);
      const answer = await oracle.get({ ...request, path: request.path });
      const ok = agrees(prediction, answer);
      if (!ok) report.push(`${probe.host} ${scheme}: predicted ${JSON.stringify(prediction.outcome)} via ${prediction.steps.map((s) => s.text).join(" > ")}; nginx answered ${JSON.stringify(answer)}`);
    }
    expect(report).toEqual([]);
  });

  it("findServersForName: the block that answers a name on each socket, as nginx picks it", async () => {
    await oracle.load(`
server { listen {{ALT}}; server_name app.test; return 200 "wild-app"; }
server { listen 127.0.0.2:{{ALT}}; server_name *.test; return 200 "specific-wild"; }
server { listen 127.0.0.2:{{ALT}}; server_name app.test; return 200 "specific-app"; }
server { listen 127.0.0.2:{{ALT}}; server_name app.test other.test; return 200 "shadowed"; }
server { listen 127.0.0.1:{{HTTPS}} ssl; server_name ~^app\\.; ${ssl} return 200 "tls-regex"; }
server { listen 127.0.0.1:{{HTTPS}} ssl default_server; server_name _; ${ssl} return 200 "tls-default"; }`);
    const config = oracle.traceConfig(await oracle.readTree());
    const claims = findServersForName(config.servers, "app.test", [oracle.ports.alt, oracle.ports.https]);
    const seen: string[] = [];
    for (const claim of claims) {
      // A wildcard socket is reached through an address no other block binds.
      const address = claim.socket === "*" ? "127.0.0.3" : claim.socket;
      const scheme = claim.port === oracle.ports.https ? "https" : "http";
      const answer = await oracle.get({ scheme, address, port: claim.port, host: "app.test", path: "/" });
      const expected = (claim.server.node.block ?? []).find((node) => node.name === "return")?.args[1];
      expect(answer.body, `${claim.socket}:${claim.port}`).toBe(expected);
      seen.push(`${claim.socket} ${claim.how} ${claim.matchedName} shadowing ${claim.shadowed.length}`);
    }
    expect(seen).toEqual(["* exact app.test shadowing 0", "127.0.0.2 exact app.test shadowing 1", "127.0.0.1 regex ~^app\\. shadowing 0"]);
  });
});
