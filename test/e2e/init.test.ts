// `ngcert init` against the real nginx of the test world (with no stand-in challenge server: init's own catch-all
// is what answers): the dry run, the set-up, what the catch-all serves and refuses to serve, and a second run.
import { access, mkdir, readdir, readFile, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotTree, type TreeSnapshot } from "../world/file-tree.js";
import { httpGet } from "../../src/world/http-get.js";
import { readSettledNginxProcesses } from "../world/nginx-processes.js";
import { requirePrograms } from "../world/programs.js";
import { rawHttp } from "../world/raw-http.js";
import { CLI, describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();

const TOKEN = "Xw1-9_ab0QrStUvWxYz-ngcert_e2e_token";
const SECRET = "NGCERT-E2E-SECRET-must-never-be-served";

function setUpFiles(w: World): { snippet: string; server: string; hooks: Record<"pre" | "deploy" | "post", string> } {
  const hook = (phase: string): string => path.join(w.dirs.letsencryptDir, "renewal-hooks", phase, "ngcert");
  return {
    snippet: path.join(w.nginx.snippets, "ngcert-acme.conf"),
    server: path.join(w.nginx.confD, "ngcert-acme.conf"),
    hooks: { pre: hook("pre"), deploy: hook("deploy"), post: hook("post") },
  };
}

/** Everything init may write: the nginx dir, the letsencrypt dir and the webroot. */
function snapshotSetUp(w: World): Promise<TreeSnapshot> {
  return snapshotTree([w.dirs.nginxDir, w.dirs.letsencryptDir, w.dirs.webroot]);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

function get(w: World, request: string): ReturnType<typeof rawHttp> {
  return rawHttp({ port: w.ports.http, request });
}

describe.skipIf(programs.skip)(`ngcert init on a fresh server${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    // A fresh server has no webroot: init creates it (the world makes an empty one for its stand-in server).
    await rmdir(world.dirs.webroot);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("--dry-run prints every change as a diff on stdout and touches nothing", async () => {
    const files = setUpFiles(w());
    const before = await snapshotSetUp(w());
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runNgcert(w(), ["init", "--dry-run"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toContain(`mkdir -m 755 ${w().dirs.webroot}\n`);
    for (const file of [files.snippet, files.server, ...Object.values(files.hooks)]) {
      expect(run.stdout).toContain(`--- /dev/null\n+++ ${file}\n`);
    }
    expect(run.stdout).toContain(`+    root ${w().dirs.webroot};\n`);
    expect(run.stdout).toContain(`+    listen 127.0.0.1:${w().ports.http} default_server;\n`);
    expect(run.stdout).toContain(`+exec ${process.execPath} ${CLI} hook deploy `);
    expect(run.stderr).toMatch(/Dry run: nothing was changed/);

    expect(await snapshotSetUp(w())).toEqual(before);
    expect(await exists(w().dirs.webroot)).toBe(false);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
  });

  it("creates the webroot, the snippet, the catch-all and the hook shims, then reloads nginx", async () => {
    const files = setUpFiles(w());
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runNgcert(w(), ["init"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toContain(`created ${w().dirs.webroot}\n`);
    for (const file of [files.snippet, files.server, ...Object.values(files.hooks)]) expect(run.stderr).toContain(`created ${file} (`);
    expect(run.stderr).toMatch(/\nnginx -t passed; nginx reloaded\.$/);
    expect(run.stderr).not.toMatch(/warning/);

    expect((await stat(w().dirs.webroot)).mode & 0o7777).toBe(0o755);
    for (const file of [files.snippet, files.server]) {
      const text = await readFile(file, "utf8");
      expect(text).toMatch(/^# ngcert-owned sha256:[0-9a-f]{64}\n/);
      expect((await stat(file)).mode & 0o7777).toBe(0o644);
    }
    for (const [phase, file] of Object.entries(files.hooks)) {
      const text = await readFile(file, "utf8");
      expect(text).toMatch(/^#!\/bin\/sh\n# ngcert-owned sha256:[0-9a-f]{64}\n/);
      // The settings init was given (here all through NGCERT_* variables) are baked into the shim, so certbot's
      // bare environment runs the hook against the same nginx and directories.
      expect(text).toContain(`exec ${process.execPath} ${CLI} hook ${phase} `);
      expect(text).toContain(`--webroot ${w().dirs.webroot}`);
      expect(text).toContain(`--nginx-conf ${w().dirs.nginxConf}`);
      expect(text).toContain(`--http-port ${w().ports.http}`);
      expect((await stat(file)).mode & 0o7777).toBe(0o755);
    }

    // A graceful reload: same master, new workers.
    const nginxAfter = await readSettledNginxProcesses(w().nginx.pidFile);
    expect(nginxAfter.master).toBe(nginxBefore.master);
    expect(nginxAfter.workers).not.toEqual(nginxBefore.workers);
  });

  describe("the catch-all it wrote", () => {
    const challengeDir = (): string => path.join(w().dirs.webroot, ".well-known", "acme-challenge");

    beforeAll(async () => {
      await mkdir(challengeDir(), { recursive: true });
      await writeFile(path.join(challengeDir(), TOKEN), TOKEN);
      // Secrets next to the webroot, in the webroot outside the challenge directory, and in a directory under it.
      await writeFile(path.join(w().dirs.root, "secret.txt"), SECRET);
      await writeFile(path.join(w().dirs.webroot, "secret.txt"), SECRET);
      await writeFile(path.join(w().dirs.webroot, ".well-known", "secret.txt"), SECRET);
      await mkdir(path.join(challengeDir(), "sub"));
      await writeFile(path.join(challengeDir(), "sub", "listed-name.txt"), SECRET);
      await writeFile(path.join(w().dirs.nginxDir, "secret.txt"), SECRET);
    });

    afterAll(async () => {
      for (const file of [path.join(w().dirs.root, "secret.txt"), path.join(w().dirs.nginxDir, "secret.txt")]) await rm(file, { force: true });
      await rm(path.join(w().dirs.webroot, "secret.txt"), { force: true });
      await rm(path.join(w().dirs.webroot, ".well-known", "secret.txt"), { force: true });
      await rm(path.join(challengeDir(), "sub"), { recursive: true, force: true });
      await rm(path.join(challengeDir(), TOKEN), { force: true });
    });

    it("serves a challenge token for any Host header, as text/plain", async () => {
      for (const host of ["a.ngcert.test", "www.example.com", "xn--bcher-kva.example", "localhost", "127.0.0.1", "anything.invalid:8080"]) {
        const response = await httpGet({ port: w().ports.http, path: `/.well-known/acme-challenge/${TOKEN}`, host });
        expect(response.status, host).toBe(200);
        expect(response.body, host).toBe(TOKEN);
        expect(response.headers["content-type"], host).toBe("text/plain");
      }
      // HTTP/1.0 with no Host header at all still lands in the default server.
      const bare = await get(w(), `GET /.well-known/acme-challenge/${TOKEN} HTTP/1.0\r\n\r\n`);
      expect(bare.status, bare.raw).toBe(200);
      expect(bare.body).toBe(TOKEN);
      expect(bare.headers["content-type"]).toBe("text/plain");
    });

    it("answers an unknown token with 404, not a redirect", async () => {
      const response = await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/no-such-token", host: "a.ngcert.test" });
      expect(response.status).toBe(404);
      expect(response.headers.location).toBeUndefined();
    });

    it("redirects every other request to HTTPS on the same host and URI, query included", async () => {
      const https = w().ports.https;
      const cases: Array<{ host: string; path: string; location: string }> = [
        { host: "a.ngcert.test", path: "/", location: `https://a.ngcert.test:${https}/` },
        { host: "shop.example.com", path: "/cart/items?id=42&sort=desc", location: `https://shop.example.com:${https}/cart/items?id=42&sort=desc` },
        // $host drops the port the client named and lower-cases the name.
        { host: "Mixed.Example.ORG:8080", path: "/a%20b?q=%2F", location: `https://mixed.example.org:${https}/a%20b?q=%2F` },
        { host: "a.ngcert.test", path: "/.well-known/other", location: `https://a.ngcert.test:${https}/.well-known/other` },
        { host: "a.ngcert.test", path: "/.well-known/acme-challenge", location: `https://a.ngcert.test:${https}/.well-known/acme-challenge` },
      ];
      for (const c of cases) {
        const response = await httpGet({ port: w().ports.http, path: c.path, host: c.host });
        expect(response.status, `${c.host}${c.path}`).toBe(301);
        expect(response.headers.location, `${c.host}${c.path}`).toBe(c.location);
      }
    });

    it("reveals nothing outside the challenge directory: raw and percent-encoded `..`", async () => {
      const paths = [
        "/.well-known/acme-challenge/../secret.txt",
        "/.well-known/acme-challenge/../../secret.txt",
        "/.well-known/acme-challenge/../../../secret.txt",
        "/.well-known/acme-challenge/../../../../../../../../etc/passwd",
        "/.well-known/acme-challenge/%2e%2e/secret.txt",
        "/.well-known/acme-challenge/%2e%2e/%2e%2e/secret.txt",
        "/.well-known/acme-challenge/%2E%2E/%2E%2E/%2E%2E/secret.txt",
        "/.well-known/acme-challenge/..%2fsecret.txt",
        "/.well-known/acme-challenge/..%2f..%2fsecret.txt",
        "/.well-known/acme-challenge/..%2f..%2f..%2fsecret.txt",
        "/.well-known/acme-challenge/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/.well-known/acme-challenge/..%252f..%252fsecret.txt",
        "/.well-known/acme-challenge/..\\..\\secret.txt",
        "/.well-known/acme-challenge//../../secret.txt",
        "/.well-known/acme-challenge/./../../secret.txt",
        "/.well-known/acme-challenge/sub/listed-name.txt/..",
        "/secret.txt",
        "/.well-known/secret.txt",
        "/.well-known/acme-challenge/../../nginx/secret.txt",
        "/.well-known/acme-challenge/%2e%2e/%2e%2e/nginx/nginx.conf",
      ];
      for (const target of paths) {
        for (const version of ["HTTP/1.1", "HTTP/1.0"]) {
          const response = await get(w(), `GET ${target} ${version}\r\nHost: a.ngcert.test\r\nConnection: close\r\n\r\n`);
          expect(response.status, `${target}: ${response.raw}`).not.toBe(200);
          expect(response.raw, target).not.toContain(SECRET);
          expect(response.raw, target).not.toMatch(/root:.*:0:0:|worker_processes/);
        }
      }
    });

    it("never lists a directory: the challenge directory itself and one below it", async () => {
      for (const target of ["/.well-known/acme-challenge/", "/.well-known/acme-challenge/sub", "/.well-known/acme-challenge/sub/", "/.well-known/acme-challenge//", "/.well-known/acme-challenge/."]) {
        const response = await get(w(), `GET ${target} HTTP/1.1\r\nHost: a.ngcert.test\r\nConnection: close\r\n\r\n`);
        expect(response.status, `${target}: ${response.raw}`).toBe(404);
        expect(response.raw, target).not.toContain(TOKEN);
        expect(response.raw, target).not.toContain("listed-name");
        expect(response.raw, target).not.toContain("Index of");
      }
    });
  });

  it("a second run is a no-op: nothing to change, every file untouched, nginx not reloaded", async () => {
    const before = await snapshotSetUp(w());
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await runNgcert(w(), ["init"]);

    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toBe("Nothing to change: the server is already set up.");
    expect(run.stdout).toBe("");
    // Byte-identical, same modes, same mtimes (directories included: not even a lock file came and went).
    expect(await snapshotSetUp(w())).toEqual(before);
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);

    const dry = await runNgcert(w(), ["init", "--dry-run"]);
    expect(dry.exitCode, describeRun(dry)).toBe(0);
    expect(dry.stdout).toBe("");
    expect(dry.stderr).toMatch(/Nothing to change/);
  });

  it("refuses to overwrite its own file once a person edited it, and names the file", async () => {
    const files = setUpFiles(w());
    const original = await readFile(files.server, "utf8");
    // A hand edit that nginx accepts: an extra header in the catch-all.
    const edited = original.replace("    server_name _;\n", "    server_name _;\n    add_header X-Edited-By-Hand yes;\n");
    expect(edited).not.toBe(original);
    await writeFile(files.server, edited);
    try {
      // Other settings too, so init would also rewrite the hook shims: it must write none of them.
      const https = String(w().ports.https + 1);
      const before = await snapshotSetUp(w());
      const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);

      const run = await runNgcert(w(), ["init", "--https-port", https]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`ngcert init will not overwrite ${files.server}`);
      expect(run.stderr).toContain(`${files.server} (the port-${w().ports.http} catch-all server) was edited since ngcert wrote it`);
      expect(run.stderr).toMatch(/Nothing was changed/);
      expect(await snapshotSetUp(w())).toEqual(before);
      expect(await readFile(files.server, "utf8")).toBe(edited);
      expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
    } finally {
      await writeFile(files.server, original);
    }
  });

  it("warns about a port-80 server with its own server_name that does not include the snippet, naming file:line", async () => {
    const files = setUpFiles(w());
    const app = path.join(w().nginx.confD, "app.conf");
    const block = (include: string): string =>
      `# The app's own port-80 server, as many hand-written sites have one.\n\nserver {\n    listen 127.0.0.1:${w().ports.http};\n    server_name app.example;\n${include}    location / {\n        return 200 "app\\n";\n    }\n}\n`;
    await mkdir(path.join(w().dirs.webroot, ".well-known", "acme-challenge"), { recursive: true });
    await writeFile(path.join(w().dirs.webroot, ".well-known", "acme-challenge", TOKEN), TOKEN);
    await writeFile(app, block(""));
    try {
      await w().reloadNginx();
      // The problem init warns about: the app's server wins for its name, and the CA would get "app", not the token.
      const shadowed = await httpGet({ port: w().ports.http, path: `/.well-known/acme-challenge/${TOKEN}`, host: "app.example" });
      expect(shadowed.body).toBe("app\n");

      const run = await runNgcert(w(), ["init"]);
      expect(run.exitCode, describeRun(run)).toBe(0);
      expect(run.stderr).toContain(`warning: ${app}:3: the port-${w().ports.http} server for app.example does not include the ACME snippet`);
      expect(run.stderr).toContain(`add \`include ${files.snippet};\` inside its server block`);

      // Following the advice fixes it, and the warning goes away.
      await writeFile(app, block(`    include ${files.snippet};\n`));
      await w().reloadNginx();
      const fixed = await httpGet({ port: w().ports.http, path: `/.well-known/acme-challenge/${TOKEN}`, host: "app.example" });
      expect(fixed).toMatchObject({ status: 200, body: TOKEN });
      expect((await httpGet({ port: w().ports.http, path: "/", host: "app.example" })).body).toBe("app\n");
      const again = await runNgcert(w(), ["init"]);
      expect(again.exitCode, describeRun(again)).toBe(0);
      expect(again.stderr).not.toMatch(/warning/);
    } finally {
      await rm(app, { force: true });
      await rm(path.join(w().dirs.webroot, ".well-known", "acme-challenge", TOKEN), { force: true });
      await w().reloadNginx();
    }
  });

  it("hook pre passes with nginx running, and reports a missing webroot", async () => {
    const pre = await runNgcert(w(), ["hook", "pre"]);
    expect(pre.exitCode, describeRun(pre)).toBe(0);
    expect(pre.stdout).toBe("ngcert hook pre: webroot, nginx and the challenge path are ready");
    expect(pre.stderr).toBe("");
    // Its probe file is gone again.
    expect(await readdir(path.join(w().dirs.webroot, ".well-known", "acme-challenge")).catch(() => [])).toEqual([]);

    const aside = `${w().dirs.webroot}.aside`;
    await rename(w().dirs.webroot, aside);
    try {
      const missing = await runNgcert(w(), ["hook", "pre"]);
      expect(missing.exitCode, describeRun(missing)).toBe(1);
      expect(missing.stderr).toContain(`ngcert hook pre: webroot ${w().dirs.webroot} is missing or not writable (ENOENT); run ngcert init`);
    } finally {
      await rename(aside, w().dirs.webroot);
    }
  });
});
