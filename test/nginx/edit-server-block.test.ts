// The configuration edits doctor --fix makes: exact text in, exact text out, everything else byte for byte, what does
// not fit refused; each result accepted by `nginx -t`, and each patch shown applied by GNU patch to the same result.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addIncludeToServer, moveRedirectIntoLocation, pointLocationAtWebroot } from "../../src/nginx/edit-server-block.js";
import { unifiedDiff } from "../../src/text/unified-diff.js";
import { findPrograms } from "../world/programs.js";

const SNIPPET = "/etc/nginx/snippets/ngcert-acme.conf";

const CERTBOT = `server {
    if ($host = www.example.com) {
        return 301 https://$host$request_uri;
    } # managed by Certbot


    if ($host = example.com) {
        return 301 https://$host$request_uri;
    } # managed by Certbot


    listen 80;
    server_name example.com www.example.com;
    return 404; # managed by Certbot


}
`;

function edited(result: { ok: true; text: string } | { ok: false; reason: string }): string {
  if (!result.ok) throw new Error(result.reason);
  return result.text;
}

describe("addIncludeToServer", () => {
  it("goes after the last server_name or listen, with the block's indentation, and a trailing comment stays put", () => {
    const text = "server {\n\tlisten 80;\n\tserver_name a.example;  # the site\n\troot /srv/a;\n}\n";
    expect(edited(addIncludeToServer(text, 1, SNIPPET))).toBe(`server {\n\tlisten 80;\n\tserver_name a.example;  # the site\n\tinclude ${SNIPPET};\n\troot /srv/a;\n}\n`);
  });
  it("finds the block by its line among several, nested in http { }", () => {
    const text = "http {\n  server { listen 80; server_name a; }\n  server {\n    listen 80;\n    server_name b;\n  }\n}\n";
    expect(edited(addIncludeToServer(text, 3, SNIPPET))).toBe(`http {\n  server { listen 80; server_name a; }\n  server {\n    listen 80;\n    server_name b;\n    include ${SNIPPET};\n  }\n}\n`);
  });
  it("refuses twice, and a line with no server block", () => {
    expect(addIncludeToServer(`server {\n    include ${SNIPPET};\n}\n`, 1, SNIPPET)).toEqual({ ok: false, reason: `it already includes ${SNIPPET}` });
    expect(addIncludeToServer("server {\n}\n", 2, SNIPPET)).toEqual({ ok: false, reason: "no server block starts on line 2" });
  });
});

describe("moveRedirectIntoLocation", () => {
  it("certbot's redirect block: the ifs and the return move, in order, comments and all", () => {
    expect(edited(moveRedirectIntoLocation(CERTBOT, 1, SNIPPET))).toBe(`server {
    listen 80;
    server_name example.com www.example.com;
    include ${SNIPPET};

    location / {
        if ($host = www.example.com) {
            return 301 https://$host$request_uri;
        } # managed by Certbot
        if ($host = example.com) {
            return 301 https://$host$request_uri;
        } # managed by Certbot
        return 404; # managed by Certbot
    }
}
`);
  });
  it("a one-line server, and one that already includes the snippet", () => {
    expect(edited(moveRedirectIntoLocation("server { listen 80; server_name a; return 301 https://a$request_uri; }\n", 1, SNIPPET))).toBe(
      `server { listen 80; server_name a;\n    include ${SNIPPET};\n\n    location / {\n        return 301 https://a$request_uri;\n    }\n}\n`,
    );
    expect(edited(moveRedirectIntoLocation(`server {\n    include ${SNIPPET};\n    return 301 https://a$request_uri;\n}\n`, 1, undefined))).toBe(
      `server {\n    include ${SNIPPET};\n\n    location / {\n        return 301 https://a$request_uri;\n    }\n}\n`,
    );
  });
  it("refuses a block with locations of its own (they would come alive), or with nothing to move", () => {
    expect(moveRedirectIntoLocation("server {\n    return 301 https://a;\n    location /x { }\n}\n", 1, SNIPPET).ok).toBe(false);
    expect(moveRedirectIntoLocation("server {\n    listen 80;\n}\n", 1, SNIPPET)).toEqual({ ok: false, reason: "no server-level return, rewrite or if in that block" });
  });
});

describe("pointLocationAtWebroot", () => {
  const own = "server {\n    listen 80;\n    location /.well-known/acme-challenge/ {\n        alias /var/www/le/;\n    }\n    location ~ /\\. { deny all; }\n}\n";
  it("an alias becomes the webroot's root; with noregex the prefix gets ^~", () => {
    expect(edited(pointLocationAtWebroot(own, 3, "/var/www/acme", { noregex: true }))).toBe(own.replace("location /.well", "location ^~ /.well").replace("alias /var/www/le/;", "root /var/www/acme;"));
    expect(edited(pointLocationAtWebroot(own, 3, "/var/www/acme", { noregex: false }))).toBe(own.replace("alias /var/www/le/;", "root /var/www/acme;"));
  });
  it("keeps the old webroot as a fallback for lineages that still write there", () => {
    const text = "location ^~ /.well-known/acme-challenge/ {\n    root /var/www/_letsencrypt;\n}\n";
    expect(edited(pointLocationAtWebroot(text, 1, "/var/www/acme", { noregex: false, fallbackRoot: "/var/www/_letsencrypt" }))).toBe(
      "location ^~ /.well-known/acme-challenge/ {\n    try_files $uri @ngcert_previous_webroot;\n    root /var/www/acme;\n}\n# Tokens certbot still writes to the previous webroot, until every lineage renews through /var/www/acme.\nlocation @ngcert_previous_webroot {\n    root /var/www/_letsencrypt;\n}\n",
    );
  });
  it("refuses the fallback inside another location, where a named location cannot be", () => {
    const nested = "server {\n    location ^~ /.well-known {\n        location /.well-known/acme-challenge { root /srv/x; }\n    }\n}\n";
    expect(pointLocationAtWebroot(nested, 3, "/w", { noregex: false, fallbackRoot: "/srv/x" }).ok).toBe(false);
  });
});

const programs = findPrograms();

describe.skipIf(!programs.found)("the edits against nginx -t and GNU patch", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "ngcert-edit-"));
    await writeFile(path.join(dir, "snippet.conf"), "location ^~ /.well-known/acme-challenge/ { root /tmp; }\n");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const cases: [string, string, (text: string, snippet: string) => string][] = [
    ["move", CERTBOT.replaceAll("listen 80", "listen 127.0.0.1:1"), (text, snippet) => edited(moveRedirectIntoLocation(text, 1, snippet))],
    ["include", "server {\n    listen 127.0.0.1:1;\n    server_name a;\n    root /srv;\n}\n", (text, snippet) => edited(addIncludeToServer(text, 1, snippet))],
    ["fallback", "server {\n    listen 127.0.0.1:1;\n    location ^~ /.well-known/acme-challenge/ {\n        root /old;\n    }\n}\n", (text) => edited(pointLocationAtWebroot(text, 3, "/new", { noregex: false, fallbackRoot: "/old" }))],
  ];

  it.each(cases)("%s: nginx -t accepts the result, and patch(1) turns the old file into it", async (name, text, edit) => {
    const site = path.join(dir, `${name}.conf`);
    const after = edit(text, path.join(dir, "snippet.conf"));
    await writeFile(site, after);
    const main = path.join(dir, `${name}-nginx.conf`);
    await writeFile(main, `pid ${dir}/${name}.pid;\nerror_log ${dir}/error.log;\nevents {}\nhttp {\n    access_log off;\n    include ${site};\n}\n`);
    const test = await execa(programs.found ? programs.programs.nginx : "nginx", ["-t", "-q", "-c", main], { reject: false });
    expect(test.stderr).toBe("");
    expect(test.exitCode).toBe(0);
    await writeFile(site, text);
    const patched = await execa("patch", ["-s", "-p0", site], { input: unifiedDiff(text, after, site, site), reject: false });
    expect(patched.exitCode, patched.stdout + patched.stderr).toBe(0);
    const { readFile } = await import("node:fs/promises");
    expect(await readFile(site, "utf8")).toBe(after);
  });
});
