// `ngcert add` when a step fails, against the real nginx, certbot and Pebble: a challenge path blocked by a server
// block of the user's own stops in preflight before the CA sees an order; certbot failing (the CA down), nginx -t
// refusing the new site and a failing reload leave the files and the running nginx as they were; and the same
// `ngcert add` run again afterwards works.
import { readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileTimes, snapshotTree, withoutTimes, type TreeSnapshot } from "../world/file-tree.js";
import { httpsGet } from "../world/https-request.js";
import { readNginxProcesses, readSettledNginxProcesses, type NginxProcesses } from "../world/nginx-processes.js";
import { readPebbleActivity, type PebbleActivity } from "../world/pebble-activity.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../world/run-ngcert.js";
import { readCertificateFile } from "../world/served-certificate.js";
import { startUpstream, type Upstream } from "../../src/world/echo-upstream.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";
const BASE = "base.ngcert.test";

function findClosedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

interface Before {
  tree: TreeSnapshot;
  nginx: NginxProcesses;
  pebble: PebbleActivity;
}

describe.skipIf(programs.skip)(`ngcert add leaves everything as it was when a step fails${skipped}`, () => {
  let world: World | undefined;
  let other: Upstream | undefined;
  const w = (): World => world!;
  const ngcert = (args: string[]): Promise<NgcertRun> => runNgcert(w(), [...args, "--config", path.join(w().dirs.root, "no-config.json")]);
  const siteFile = (name: string): string => path.join(w().nginx.confD, `ngcert-site-${name}.conf`);
  const snippet = (): string => path.join(w().nginx.snippets, "ngcert-acme.conf");
  const fingerprint = async (name: string): Promise<string> => (await readCertificateFile(path.join(w().dirs.letsencryptDir, "live", name, "cert.pem"))).fingerprint256;
  const served = async (domain: string): Promise<string> => (await httpsGet({ port: w().ports.https, servername: domain })).certificate.fingerprint256;
  /** What ngcert may write: nginx's config, certbot's lineages and accounts, the webroot (not certbot's own logs). */
  const snapshotSetUp = (): Promise<TreeSnapshot> => snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir, w().dirs.webroot]);

  async function recordBefore(): Promise<Before> {
    return { tree: await snapshotSetUp(), nginx: await readSettledNginxProcesses(w().nginx.pidFile), pebble: await readPebbleActivity(w()) };
  }

  /** The previous site is still served with its certificate and still reaches the original upstream. */
  async function expectBaseServing(): Promise<void> {
    expect(await served(BASE)).toBe(await fingerprint(BASE));
    const answer = await httpsGet({ port: w().ports.https, servername: BASE, path: "/still-here" });
    expect(answer.status).toBe(200);
    expect(w().upstream.requests.at(-1)).toMatchObject({ url: "/still-here", host: BASE });
  }

  /** A port-<http> server block of the user's own for `name`, then a reload of the test nginx. */
  async function writeOwnServer(name: string, body: string): Promise<string> {
    const file = path.join(w().nginx.confD, `own-${name}.conf`);
    await writeFile(file, `server {\n    listen 127.0.0.1:${w().ports.http};\n    server_name ${name};\n${body}}\n`);
    await w().reloadNginx();
    return file;
  }

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    other = await startUpstream();
    for (const args of [["init"], ["add", BASE, "--upstream", world.upstream.url]]) {
      const run = await ngcert(args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
  });

  afterAll(async () => {
    await other?.stop();
    await world?.stop();
  });

  it("a server block that answers 403 on the challenge path stops in preflight: no order, no file, no reload", async () => {
    const name = "blocked.ngcert.test";
    const own = await writeOwnServer(name, "    return 403;\n");
    const before = await recordBefore();

    const run = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stdout).toBe("");
    // What the CA would see, why (the block and the directive that answer), and the fix.
    const lines = run.stderr.split("\n");
    expect(lines[0]).toBe(`ngcert: the challenge path does not work through nginx on port ${w().ports.http}, so the CA could not validate:`);
    expect(lines[1]).toMatch(new RegExp(`^  ${name.replace(/\./g, "\\.")}: http://${name.replace(/\./g, "\\.")}:${w().ports.http}/\\.well-known/acme-challenge/[A-Za-z0-9_-]{43} \\(127\\.0\\.0\\.1\\): HTTP 403$`));
    expect(lines[2]).toContain(`    why: the challenge for the shared webroot ${w().dirs.webroot} fails:`);
    expect(lines[2]).toContain(`${own}:1: return 403 (${own}:4)`);
    expect(lines[3]).toBe(
      `    fix: in the server block at ${own}:1, move the server-level return/rewrite/if into \`location / { ... }\` (at server level it runs before any location) ` +
        `and add \`include ${snippet()};\`, then reload nginx (\`ngcert doctor --fix\` can make these changes once the lineage exists)`,
    );
    expect(lines.slice(4)).toEqual(["Then run the same ngcert add again. The CA was not contacted; nothing was changed."]);

    const after = await snapshotSetUp();
    expect(withoutTimes(after)).toEqual(withoutTimes(before.tree));
    expect(fileTimes(after)).toEqual(fileTimes(before.tree));
    expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);
    expect(await readPebbleActivity(w())).toEqual(before.pebble);
    // nginx saw ngcert's probe for the name, refused it, and never a validation from the CA.
    const requests = (await w().readAccessLog()).filter((entry) => entry.host === name);
    expect(requests.map((entry) => [entry.status, entry.userAgent.includes("Pebble")])).toEqual([[403, false]]);
    expect(requests[0]!.uri).toMatch(/^\/\.well-known\/acme-challenge\/[A-Za-z0-9_-]{43}$/);
    await expectBaseServing();

    // The fix the message names, then the same command again.
    await writeFile(own, `server {\n    listen 127.0.0.1:${w().ports.http};\n    server_name ${name};\n    include ${snippet()};\n    location / {\n        return 403;\n    }\n}\n`);
    await w().reloadNginx();
    const again = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(await served(name)).toBe(await fingerprint(name));
    await rm(own);
    await w().reloadNginx();
  });

  it("a name the owner already serves on the HTTPS port stops before the CA, naming that block and the way to adopt it", async () => {
    const name = "taken.ngcert.test";
    const le = w().dirs.letsencryptDir;
    const own = path.join(w().nginx.confD, "own-taken.conf");
    await writeFile(
      own,
      `server {\n    listen 127.0.0.1:${w().ports.https} ssl;\n    server_name ${name};\n    ssl_certificate ${le}/live/${BASE}/fullchain.pem;\n    ssl_certificate_key ${le}/live/${BASE}/privkey.pem;\n    return 204;\n}\n`,
    );
    await w().reloadNginx();
    try {
      const before = await recordBefore();
      const run = await ngcert(["add", name, "--upstream", w().upstream.url]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain("these names are already served by server blocks ngcert did not write:");
      expect(run.stderr).toContain(`  ${name}: ${own}:1 (server_name ${name}, port ${w().ports.https})`);
      expect(run.stderr).toContain("`ngcert doctor` shows what its renewal needs and `ngcert migrate` moves its certificate to the shared webroot");
      expect(withoutTimes(await snapshotSetUp())).toEqual(withoutTimes(before.tree));
      expect(await readPebbleActivity(w())).toEqual(before.pebble);
      expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);
    } finally {
      await rm(own);
      await w().reloadNginx();
    }
  });

  it("a redirect for one of several names stops them all, naming only that one and where it redirects", async () => {
    const own = await writeOwnServer("redirect.ngcert.test", "    return 301 https://$host$request_uri;\n");
    try {
      const before = await recordBefore();
      const run = await ngcert(["add", "fine.ngcert.test", "redirect.ngcert.test", "--upstream", w().upstream.url]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      // The CA follows the redirect only to the world's HTTP and HTTPS ports; this one goes to 443.
      expect(run.stderr).toMatch(
        new RegExp(`:\\n {2}redirect\\.ngcert\\.test: \\S+ \\(127\\.0\\.0\\.1\\): HTTP 301 to https://redirect\\.ngcert\\.test/\\.well-known/acme-challenge/\\S+, the CA follows redirects only to ports ${w().ports.http} and ${w().ports.https}, not 443\\n`),
      );
      expect(run.stderr).not.toContain("  fine.ngcert.test:");
      expect(run.stderr).toContain("move the server-level return/rewrite/if into `location / { ... }`");
      expect(withoutTimes(await snapshotSetUp())).toEqual(withoutTimes(before.tree));
      expect(await readPebbleActivity(w())).toEqual(before.pebble);
      expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);
    } finally {
      await rm(own);
      await w().reloadNginx();
    }
  });

  it("certbot failing (the CA is down): certbot's own error reaches the user, nothing changes, a re-run works", async () => {
    const name = "down.ngcert.test";
    const closed = await findClosedPort();
    const before = await recordBefore();

    const run = await ngcert(["add", name, "--upstream", w().upstream.url, "--server", `https://127.0.0.1:${closed}/dir`]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain(`ngcert: certbot could not obtain the certificate for ${name} (exit code 1)`);
    // certbot's words, not ours.
    expect(run.stderr).toContain("ValueError: Requesting 127.0.0.1/dir: Connection refused");

    // certbot itself leaves empty account directories for a server it could not reach; nothing else may differ.
    const accounts = path.join(w().dirs.letsencryptDir, "accounts", `127.0.0.1:${closed}`);
    const after = await snapshotSetUp();
    const certbotDirs = Object.keys(after).filter((file) => file === accounts || file.startsWith(`${accounts}/`));
    expect(certbotDirs.map((file) => after[file]!.kind)).toEqual(certbotDirs.map(() => "dir"));
    for (const file of certbotDirs) delete after[file];
    expect(withoutTimes(after)).toEqual(withoutTimes(before.tree));
    expect(fileTimes(after)).toEqual(fileTimes(before.tree));
    expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);
    expect(await readPebbleActivity(w())).toEqual(before.pebble);
    await expectBaseServing();

    const again = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(again.stderr).toContain(`${name}: certificate obtained; site created`);
    expect(await served(name)).toBe(await fingerprint(name));
  });

  it("nginx -t refusing the new site: the site file is taken back, nginx keeps its configuration, a re-run reuses the certificate", async () => {
    const name = "tfail.ngcert.test";
    const wrapper = path.join(w().dirs.root, "nginx-refuses-tfail");
    // An nginx whose -t fails once a file for the new site exists in conf.d, staged under a hidden name or in place (as
    // if the site clashed with something), itself for the rest.
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "-t" ] && grep -rqs 'server_name ${name}' '${w().nginx.confD}'; then echo "nginx: [emerg] the test world's wrapper refuses ${name}" >&2; exit 1; fi\nexec '${w().programs.nginx}' "$@"\n`,
      { mode: 0o755 },
    );
    const nginxBefore = await snapshotTree([w().dirs.nginxDir]);
    const processes = await readSettledNginxProcesses(w().nginx.pidFile);

    const run = await ngcert(["add", name, "--upstream", w().upstream.url, "--nginx-bin", wrapper]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain(
      "ngcert: nginx -t refused the configuration (the test world's wrapper refuses tfail.ngcert.test); the site was not put in place. " +
        `The certificate stays in ${path.join(w().dirs.letsencryptDir, "live", name)}; running the same ngcert add again reuses it.`,
    );
    expect(run.stderr).toContain(`the test world's wrapper refuses ${name}`);
    expect(withoutTimes(await snapshotTree([w().dirs.nginxDir]))).toEqual(withoutTimes(nginxBefore));
    expect((await readNginxProcesses(w().nginx.pidFile)).master).toBe(processes.master);
    await readSettledNginxProcesses(w().nginx.pidFile);
    expect(await served(name)).not.toBe(await fingerprint(name));
    await expectBaseServing();

    const orders = (await readPebbleActivity(w())).orders;
    const again = await ngcert(["add", name, "--upstream", w().upstream.url]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(again.stderr).toBe(`${name}: existing certificate reused; site created; nginx serves it for ${name}`);
    expect((await readPebbleActivity(w())).orders).toEqual(orders);
    expect(await served(name)).toBe(await fingerprint(name));
  });

  it("nginx -t refusing an updated site: the previous site comes back byte for byte and keeps proxying", async () => {
    const wrapper = path.join(w().dirs.root, "nginx-refuses-other-upstream");
    await writeFile(
      wrapper,
      `#!/bin/sh\nif [ "$1" = "-t" ] && grep -rqs ':${other!.port}' '${w().nginx.confD}'; then echo "nginx: [emerg] the test world's wrapper refuses port ${other!.port}" >&2; exit 1; fi\nexec '${w().programs.nginx}' "$@"\n`,
      { mode: 0o755 },
    );
    const before = await recordBefore();
    const site = await readFile(siteFile(BASE), "utf8");

    const run = await ngcert(["add", BASE, "--upstream", other!.url, "--nginx-bin", wrapper]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain(`ngcert: nginx -t refused the configuration (the test world's wrapper refuses port ${other!.port}); the site was not put in place.`);
    // The certificate was reused, so there is nothing to say about it.
    expect(run.stderr).not.toContain("The certificate stays");
    expect(await readFile(siteFile(BASE), "utf8")).toBe(site);
    expect(withoutTimes(await snapshotSetUp())).toEqual(withoutTimes(before.tree));
    expect(await readPebbleActivity(w())).toEqual(before.pebble);
    await readSettledNginxProcesses(w().nginx.pidFile);
    await expectBaseServing();
    expect(other!.requests).toEqual([]);
  });

  it("a failing reload: the previous site comes back and nginx was never reloaded", async () => {
    const before = await recordBefore();
    const site = await readFile(siteFile(BASE), "utf8");

    const run = await ngcert(["add", BASE, "--upstream", other!.url, "--reload-cmd", "/bin/false"]);
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain("reloading nginx failed: `/bin/false` failed with exit code 1); the site was put back as it was.");
    expect(await readFile(siteFile(BASE), "utf8")).toBe(site);
    expect(withoutTimes(await snapshotSetUp())).toEqual(withoutTimes(before.tree));
    expect(await readNginxProcesses(w().nginx.pidFile)).toEqual(before.nginx);
    await expectBaseServing();
    expect(other!.requests).toEqual([]);

    // And the update goes through once the reload works.
    const again = await ngcert(["add", BASE, "--upstream", other!.url]);
    expect(again.exitCode, describeRun(again)).toBe(0);
    expect(again.stderr).toBe(`${BASE}: existing certificate reused; site updated; nginx serves it for ${BASE}`);
    await readSettledNginxProcesses(w().nginx.pidFile);
    expect((await httpsGet({ port: w().ports.https, servername: BASE, path: "/moved" })).status).toBe(200);
    expect(other!.requests.at(-1)).toMatchObject({ url: "/moved", host: BASE });
  });
});
