// `ngcert init` where it must not (or cannot) finish, against the real nginx of the test world: files it did not
// write, another default_server on the HTTP port, and an nginx -t that fails only once init's files are in place.
// Each case must leave every file, the webroot and nginx exactly as they were.
import { chmod, mkdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTimes, snapshotTree, withoutTimes, type TreeSnapshot } from "../world/file-tree.js";
import { httpGet } from "../../src/world/http-get.js";
import { readSettledNginxProcesses, type NginxProcesses } from "../world/nginx-processes.js";
import { requirePrograms } from "../world/programs.js";
import { rawHttp } from "../world/raw-http.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";

function snapshotSetUp(w: World): Promise<TreeSnapshot> {
  return snapshotTree([w.dirs.nginxDir, w.dirs.letsencryptDir, w.dirs.webroot]);
}

interface Before {
  tree: TreeSnapshot;
  nginx: NginxProcesses;
}

async function recordBefore(w: World): Promise<Before> {
  return { tree: await snapshotSetUp(w), nginx: await readSettledNginxProcesses(w.nginx.pidFile) };
}

/**
 * Nothing init may write changed: same entries, bytes and modes everywhere, no file rewritten, no nginx reload —
 * except, when `snippetWritten`, the challenge snippet its advice asks to include (nothing includes it yet).
 */
async function expectUntouched(w: World, before: Before, run: NgcertRun, options: { snippetWritten?: boolean } = {}): Promise<void> {
  const after = await snapshotSetUp(w);
  if (options.snippetWritten) {
    const snippet = path.join(w.nginx.snippets, "ngcert-acme.conf");
    expect(after[snippet]?.kind, describeRun(run)).toBe("file");
    expect(Buffer.from(after[snippet]!.content, "base64").toString()).toMatch(/^# ngcert-owned sha256:/);
    delete after[snippet];
  }
  expect(withoutTimes(after), describeRun(run)).toEqual(withoutTimes(before.tree));
  expect(fileTimes(after)).toEqual(fileTimes(before.tree));
  expect(await readSettledNginxProcesses(w.nginx.pidFile)).toEqual(before.nginx);
}

/** Is anything answering on the world's HTTP port? (Nothing does before init: the world runs no server of its own.) */
async function httpPortAnswers(w: World): Promise<boolean> {
  return rawHttp({ port: w.ports.http, request: "GET / HTTP/1.0\r\n\r\n" }).then(
    () => true,
    (error: NodeJS.ErrnoException) => (error.code === "ECONNREFUSED" ? false : Promise.reject(error)),
  );
}

describe.skipIf(programs.skip)(`ngcert init refuses files it did not write${skipped}`, () => {
  let world: World | undefined;
  const w = (): World => world!;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    await rmdir(world.dirs.webroot);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("leaves a hand-written conf.d/ngcert-acme.conf alone, names it, and writes nothing else", async () => {
    const file = path.join(w().nginx.confD, "ngcert-acme.conf");
    const foreign = `# Our own port-${w().ports.http} catch-all, written by hand before ngcert came along.\nserver {\n    listen 127.0.0.1:${w().ports.http} default_server;\n    server_name _;\n    location / {\n        return 404;\n    }\n}\n`;
    await writeFile(file, foreign);
    await w().reloadNginx();
    try {
      const before = await recordBefore(w());
      const run = await runNgcert(w(), ["init"]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`ngcert: ngcert init will not overwrite ${file}: move the file aside`);
      expect(run.stderr).toContain(`${file} (the port-${w().ports.http} catch-all server) was not written by ngcert`);
      expect(run.stderr).toContain("Nothing was changed.");
      expect(await readFile(file, "utf8")).toBe(foreign);
      await expectUntouched(w(), before, run);
      expect(before.tree[w().dirs.webroot]).toBeUndefined();
      expect(before.tree[path.join(w().dirs.letsencryptDir, "renewal-hooks")]).toBeUndefined();
      // The hand-written server still answers as before.
      expect((await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/x", host: "a.ngcert.test" })).status).toBe(404);
    } finally {
      await rm(file);
      await w().reloadNginx();
    }
  });

  it("leaves a hand-written snippets/ngcert-acme.conf alone, names it, and writes nothing else", async () => {
    const file = path.join(w().nginx.snippets, "ngcert-acme.conf");
    const foreign = "# ACME for our sites, by hand\nlocation ^~ /.well-known/acme-challenge/ {\n    root /var/www/html;\n}\n";
    await writeFile(file, foreign, { mode: 0o640 });
    await chmod(file, 0o640);
    try {
      const before = await recordBefore(w());
      const run = await runNgcert(w(), ["init"]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`ngcert init will not overwrite ${file}:`);
      expect(run.stderr).toContain(`${file} (the ACME challenge location) was not written by ngcert`);
      // What init would have written instead, as a diff, so the person can carry their changes over.
      expect(run.stderr).toContain("-    root /var/www/html;\n");
      expect(run.stderr).toContain(`+    root ${w().dirs.webroot};\n`);
      expect(await readFile(file, "utf8")).toBe(foreign);
      await expectUntouched(w(), before, run);
      expect(await httpPortAnswers(w())).toBe(false);
    } finally {
      await rm(file);
    }
  });

  it("stops before writing when Debian's stock default server is the default_server on the HTTP port", async () => {
    const file = path.join(w().nginx.sitesEnabled, "default");
    // Debian's /etc/nginx/sites-enabled/default, on the world's HTTP port.
    const stock = `##
# You should look at the following URL's in order to grasp a solid understanding
# of Nginx configuration files in order to fully unleash the power of Nginx.
##

# Default server configuration
#
server {
\tlisten ${w().ports.http} default_server;
\tlisten [::]:${w().ports.http} default_server;

\troot /var/www/html;

\tindex index.html index.htm index.nginx-debian.html;

\tserver_name _;

\tlocation / {
\t\ttry_files $uri $uri/ =404;
\t}
}
`;
    await writeFile(file, stock);
    try {
      const before = await recordBefore(w());
      // Listening on every address (the production default): both catch-alls want *:<port>.
      const run = await runNgcert(w(), ["init", "--listen-address="]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`another server is already the default_server on port ${w().ports.http}`);
      expect(run.stderr).toContain(`  ${file}:9: listen *:${w().ports.http} default_server\n`);
      expect(run.stderr).toContain(`To keep it as the default, add \`include ${path.join(w().nginx.snippets, "ngcert-acme.conf")};\` inside its server block`);
      expect(run.stderr).toContain(`ngcert wrote ${path.join(w().nginx.snippets, "ngcert-acme.conf")} (nothing includes it yet); nothing else was changed.`);
      await expectUntouched(w(), before, run, { snippetWritten: true });
      await rm(path.join(w().nginx.snippets, "ngcert-acme.conf"));
    } finally {
      await rm(file);
    }
  });

  it("stops before writing when another server is the default_server on the listen address and port", async () => {
    const file = path.join(w().nginx.sitesEnabled, "legacy");
    await writeFile(file, `server {\n    server_name legacy.example;\n\n    listen 127.0.0.1:${w().ports.http} default_server;\n    return 444;\n}\n`);
    try {
      const before = await recordBefore(w());
      const run = await runNgcert(w(), ["init"]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`  ${file}:4: listen 127.0.0.1:${w().ports.http} default_server\n`);
      // Its server-level `return 444` would still answer the challenge: the advice says to move it first.
      expect(run.stderr).toContain(
        `To keep it as the default, move its server-level \`return\` (line 5) into a \`location / { ... }\` block (at server level it runs before any location, the challenge's too), and add \`include ${path.join(w().nginx.snippets, "ngcert-acme.conf")};\` inside its server block`,
      );
      await expectUntouched(w(), before, run, { snippetWritten: true });
      await rm(path.join(w().nginx.snippets, "ngcert-acme.conf"));
    } finally {
      await rm(file);
    }
  });
});

describe.skipIf(programs.skip)(`ngcert init puts everything back when nginx -t fails${skipped}`, () => {
  let world: World | undefined;
  const w = (): World => world!;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    await rmdir(world.dirs.webroot);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("on a fresh server: no file, no webroot, no hook left, nginx not reloaded", async () => {
    // Valid until init writes its snippet: then a `location` lands at http level, which nginx -t refuses.
    const trap = path.join(w().nginx.confD, "zz-all-snippets.conf");
    await writeFile(trap, `# Every snippet, included at http level by mistake.\ninclude ${w().nginx.snippets}/*.conf;\n`);
    try {
      const before = await recordBefore(w());
      const run = await runNgcert(w(), ["init"]);

      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(
        `ngcert: nginx -t refused the configuration (${path.join(w().nginx.snippets, "ngcert-acme.conf")}:5: "location" directive is not allowed here); ngcert init put every file back as it was`,
      );
      // nginx's own words follow, naming the file and line it refused.
      expect(run.stderr).toMatch(/"location" directive is not allowed here in .*ngcert-acme\.conf:\d+/);
      await expectUntouched(w(), before, run);
      for (const created of [w().dirs.webroot, path.join(w().nginx.snippets, "ngcert-acme.conf"), path.join(w().dirs.letsencryptDir, "renewal-hooks")]) {
        expect(Object.keys(await snapshotTree([created])), created).toEqual([]);
      }
      expect(await httpPortAnswers(w())).toBe(false);
    } finally {
      await rm(trap);
    }
  });

  it("on a set-up server: every updated file is restored and nginx keeps serving the old configuration", async () => {
    const setUp = await runNgcert(w(), ["init"]);
    expect(setUp.exitCode, describeRun(setUp)).toBe(0);
    const challengeDir = path.join(w().dirs.webroot, ".well-known", "acme-challenge");
    await mkdir(challengeDir, { recursive: true });
    await writeFile(path.join(challengeDir, "still-served"), "still-served");

    // An nginx whose -t fails (as if the configuration broke between init's checks and its test), run for
    // everything else; passing it also changes the hook shims, which bake in --nginx-bin.
    const wrapper = path.join(w().dirs.root, "nginx-failing-test");
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "-t" ]; then echo "nginx: [emerg] refused by the test world's wrapper" >&2; exit 1; fi\nexec ${w().programs.nginx} "$@"\n`,
      { mode: 0o755 },
    );
    // And a different HTTPS port, so the catch-all would change too.
    const before = await recordBefore(w());
    const run = await runNgcert(w(), ["init", "--nginx-bin", wrapper, "--https-port", String(w().ports.https + 1)]);

    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain("nginx -t refused the configuration");
    expect(run.stderr).toContain("ngcert init put every file back as it was");
    expect(run.stderr).toContain("refused by the test world's wrapper");
    const after = await snapshotSetUp(w());
    expect(withoutTimes(after), describeRun(run)).toEqual(withoutTimes(before.tree));
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);

    const token = await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/still-served", host: "a.ngcert.test" });
    expect(token).toMatchObject({ status: 200, body: "still-served" });
    const redirect = await httpGet({ port: w().ports.http, path: "/x?y=1", host: "a.ngcert.test" });
    expect(redirect.headers.location).toBe(`https://a.ngcert.test:${w().ports.https}/x?y=1`);

    // And the next run with the real nginx finds nothing to change.
    const again = await runNgcert(w(), ["init"]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(again.stderr).toBe("Nothing to change: the server is already set up.");
  });
});
