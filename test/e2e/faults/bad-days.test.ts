// An operator's bad day on the real programs: a reload command that hangs, a colleague's broken file in conf.d, the
// file ngcert's snippet was included from gone missing, and a full disk (a small tmpfs under the letsencrypt dir).
// Each time: a clear message and exit code, nginx keeps serving, and what could not be done is done by the next run.
import { execFileSync } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants, hashFiles } from "../../world/invariants.js";
import { pointLiveAt, readLiveLinks } from "../../world/lineage-links.js";
import { readSettledNginxProcesses } from "../../world/nginx-processes.js";
import { requirePrograms } from "../../world/programs.js";
import { describeRun, runNgcert } from "../../world/run-ngcert.js";
import { describeWatcher, startWatcher, stopAllWatchers } from "../../world/run-watcher.js";
import { describeCertbot, runCertbot } from "../../world/run-certbot.js";
import { fetchServedCertificate, readCertificateFile } from "../../world/served-certificate.js";
import { startWorld, type World } from "../../world/world.js";

const programs = requirePrograms();
const SITE = "bad-day.ngcert.test";
const OTHER = "other-day.ngcert.test";
const asRoot = process.getuid?.() === 0;

describe.skipIf(programs.skip)(`bad days${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;
  const le = (): string => w().dirs.letsencryptDir;
  const served = async (name: string): Promise<string> => (await fetchServedCertificate({ port: w().ports.https, servername: name })).fingerprint256;
  const onDisk = async (name: string): Promise<string> => (await readCertificateFile(path.join(le(), "live", name, "cert.pem"))).fingerprint256;
  const ngcertOk = async (args: string[]): Promise<void> => {
    const run = await runNgcert(w(), args);
    expect(run.exitCode, describeRun(run)).toBe(0);
  };
  const invariants = async () =>
    checkInvariants(w(), {
      master: (await readSettledNginxProcesses(w().nginx.pidFile)).master,
      sites: [SITE, OTHER].filter((name) => existsSync(path.join(w().nginx.confD, `ngcert-site-${name}.conf`))).map((name) => ({ domain: name, lineage: name })),
      userFiles: await hashFiles([w().nginx.conf]),
    });
  const renewBypassingHooks = async (name: string): Promise<void> => {
    const run = await runCertbot(w(), "renew", ["--force-renewal", "--cert-name", name, "--no-directory-hooks", "--deploy-hook", ""]);
    expect(run.exitCode, describeCertbot(w(), run)).toBe(0);
  };

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    await ngcertOk(["init"]);
    await ngcertOk(["add", SITE, "--upstream", world.upstream.url]);
    await ngcertOk(["add", OTHER, "--upstream", world.upstream.url]);
  });

  afterAll(async () => {
    await stopAllWatchers();
    await world?.stop();
  });

  it("a reload command that hangs (and leaves a child holding its output) is killed after --reload-timeout; the lock is free at once", async () => {
    const marker = `ngcert-hang-${process.pid}`;
    const script = path.join(w().dirs.root, "hanging-reload");
    // Both sleeps carry a marker in their environment, so the test can find any that outlived the kill.
    await writeFile(script, `#!/bin/sh\nNGCERT_HANG=${marker} sleep 300 &\nNGCERT_HANG=${marker} exec sleep 301\n`, { mode: 0o755 });
    const started = Date.now();
    const run = await runNgcert(w(), ["reload", "--reload-cmd", script, "--reload-timeout", "2"]);
    const took = Date.now() - started;
    expect(run.exitCode, describeRun(run)).toBe(1);
    expect(run.stderr).toContain(`reloading nginx failed: \`${script}\` did not finish within 2 s and was killed`);
    expect(took).toBeLessThan(15_000);
    // The whole process group went: no sleep of that script is left.
    const left = execFileSync("sh", ["-c", `grep -l NGCERT_HANG=${marker} /proc/[0-9]*/environ 2>/dev/null || true`], { encoding: "utf8" }).trim();
    expect(left).toBe("");
    await ngcertOk(["reload"]);
    expect(await invariants()).toEqual([]);
  });

  it("the watcher with a hanging reload command reports the failed reload and goes on handling changes", async () => {
    const script = path.join(w().dirs.root, "hanging-reload-2");
    await writeFile(script, "#!/bin/sh\nexec sleep 300\n", { mode: 0o755 });
    const watcher = startWatcher(["--interval", "3600", "--reload-cmd", script, "--reload-timeout", "2"], { env: w().env });
    try {
      await watcher.waitForEvent((event) => event.event === "checked", { what: "the first check", timeoutMs: 30_000 });
      const from = watcher.mark();
      await renewBypassingHooks(SITE);
      const problem = await watcher.waitForEvent((event) => event.event === "problem" && event.name === SITE, { from, what: "the failed reload", timeoutMs: 30_000 });
      expect(String(problem.event.reason)).toMatch(/did not finish within 2 s and was killed/);
      // Still handling changes: a lineage removed and put back is reported.
      const next = watcher.mark();
      const links = path.join(le(), "live", OTHER);
      await rm(path.join(w().dirs.root, "parked"), { recursive: true, force: true });
      await import("node:fs/promises").then((fs) => fs.rename(links, path.join(w().dirs.root, "parked")));
      await watcher.waitForEvent((event) => event.event === "removed" && event.name === OTHER, { from: next, what: `${OTHER} removed`, timeoutMs: 15_000 });
      await import("node:fs/promises").then((fs) => fs.rename(path.join(w().dirs.root, "parked"), links));
      expect(watcher.exit(), describeWatcher(watcher)).toBeUndefined();
    } finally {
      await watcher.stop();
    }
    // With the real reload command, the waiting renewal comes into service.
    await ngcertOk(["reload"]);
    expect(await served(SITE)).toBe(await onDisk(SITE));
  });

  it("a reload nginx rejects (a port another program holds) is reported with nginx's reason, and add puts its site back", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen({ host: "127.0.0.1", port: 0 }, () => resolve()));
    const port = (holder.address() as AddressInfo).port;
    const own = path.join(w().nginx.confD, "zz-own-on-a-taken-port.conf");
    // nginx -t does not bind: it accepts this, and only the reload fails, keeping the old configuration.
    await writeFile(own, `server {\n    listen 127.0.0.1:${port};\n    server_name taken.example;\n    return 204;\n}\n`);
    try {
      const master = (await readSettledNginxProcesses(w().nginx.pidFile)).master;
      const run = await runNgcert(w(), ["reload"]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`nginx did not load the new configuration: the reload was sent, but master ${master} started no new workers`);
      expect(run.stderr).toContain(`bind() to 127.0.0.1:${port} failed (98: Address already in use)`);

      const name = "after-rejected.ngcert.test";
      const add = await runNgcert(w(), ["add", name, "--upstream", w().upstream.url]);
      expect(add.exitCode, describeRun(add)).toBe(1);
      expect(add.stderr).toContain("nginx did not load the new configuration");
      expect(add.stderr).toContain("the site was put back as it was");
      expect(existsSync(path.join(w().nginx.confD, `ngcert-site-${name}.conf`))).toBe(false);
      expect((await readSettledNginxProcesses(w().nginx.pidFile)).master).toBe(master);
      expect(await served(SITE)).toBe(await onDisk(SITE));
    } finally {
      await rm(own, { force: true });
      await new Promise((resolve) => holder.close(resolve));
    }
    await ngcertOk(["reload"]);
  });

  it("remove with a colleague's broken file in conf.d: the site goes, nginx is not reloaded, the file is named; the next reload finishes", async () => {
    const certificate = await onDisk(OTHER);
    const broken = path.join(w().nginx.confD, "zz-colleague.conf");
    await writeFile(broken, "server {\n    listen 127.0.0.1:1;\n    server_nmae typo.example;\n}\n");
    try {
      const run = await runNgcert(w(), ["remove", OTHER]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`${broken}:3: unknown directive "server_nmae"`);
      expect(run.stderr).toContain("nginx keeps serving the removed site until it can be reloaded");
      expect(existsSync(path.join(w().nginx.confD, `ngcert-site-${OTHER}.conf`))).toBe(false);
      // nginx was not reloaded: it still serves the site.
      expect(await served(OTHER)).toBe(await onDisk(OTHER));
    } finally {
      await rm(broken, { force: true });
    }
    await ngcertOk(["reload"]);
    await readSettledNginxProcesses(w().nginx.pidFile);
    // Now nginx answers for the name with its default server, not with the removed site's certificate.
    expect(await served(OTHER)).not.toBe(certificate);
    await ngcertOk(["add", OTHER, "--upstream", w().upstream.url]);
  });

  it("init recreates its own snippet when its absence is what makes nginx -t fail (a site of the operator's includes it)", async () => {
    const snippet = path.join(w().nginx.snippets, "ngcert-acme.conf");
    const own = path.join(w().nginx.confD, "own-port80.conf");
    await writeFile(own, `server {\n    listen 127.0.0.1:${w().ports.http};\n    server_name own.example;\n    include ${snippet};\n    location / { return 204; }\n}\n`);
    await w().reloadNginx();
    const ownHash = await hashFiles([own]);
    await rm(snippet);
    const check = await runNgcert(w(), ["reload"]);
    expect(check.exitCode, describeRun(check)).toBe(1);
    expect(check.stderr).toContain(`open() "${snippet}" failed`);

    const run = await runNgcert(w(), ["init"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toContain(`created ${snippet}`);
    expect(run.stderr).toContain("nginx reloaded");
    expect(await hashFiles([own])).toEqual(ownHash);
    await rm(own);
    await ngcertOk(["reload"]);
    expect(await invariants()).toEqual([]);
  });

  it("init with a colleague's broken file keeps its own correct files, names the broken one, and exits 1", async () => {
    const snippet = path.join(w().nginx.snippets, "ngcert-acme.conf");
    const broken = path.join(w().nginx.confD, "zz-colleague.conf");
    await writeFile(broken, "server {\n    listen 127.0.0.1:1;\n    server_nmae typo.example;\n}\n");
    await rm(snippet);
    try {
      const run = await runNgcert(w(), ["init"]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`${broken}:3: unknown directive "server_nmae"`);
      expect(existsSync(snippet)).toBe(true);
    } finally {
      await rm(broken, { force: true });
    }
    await ngcertOk(["reload"]);
    expect(await invariants()).toEqual([]);
  });

  it.skipIf(!asRoot)("a full disk: the deploy hook cannot refuse (no room to roll back), so it does not reload; with room again the next run refuses", async () => {
    // A bad version whose chain is from another CA: nginx -t accepts it, the deploy checks do not.
    const archive = path.join(le(), "archive", SITE);
    const links = await readLiveLinks(le(), SITE);
    const current = Number(/(\d+)\.pem$/.exec(links.cert)![1]);
    const next = Math.max(...(await readdir(archive)).map((file) => Number(/^cert(\d+)\.pem$/.exec(file)?.[1] ?? 0))) + 1;
    const cert = await readFile(path.join(archive, `cert${current}.pem`), "utf8");
    const otherCa = await readFile(w().caFile, "utf8");
    await writeFile(path.join(archive, `cert${next}.pem`), cert);
    await writeFile(path.join(archive, `chain${next}.pem`), otherCa);
    await writeFile(path.join(archive, `fullchain${next}.pem`), cert + otherCa);
    await copyFile(path.join(archive, `privkey${current}.pem`), path.join(archive, `privkey${next}.pem`));
    const servedBefore = await served(SITE);
    // The state dir and the archive on a 1 MiB tmpfs, filled up.
    const full = path.join(w().dirs.root, "full");
    await mkdir(full);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", full]);
    try {
      execFileSync("cp", ["-a", archive, path.join(full, "archive")]);
      await rm(archive, { recursive: true });
      const { symlink } = await import("node:fs/promises");
      await symlink(path.join(full, "archive"), archive);
      await pointLiveAt(le(), SITE, next);
      execFileSync("sh", ["-c", `dd if=/dev/zero of=${path.join(full, "filler")} bs=4k 2>/dev/null || true`]);

      const run = await runNgcert(w(), ["hook", "deploy"], { env: { RENEWED_LINEAGE: path.join(le(), "live", SITE), RENEWED_DOMAINS: SITE } });
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toMatch(/CHAIN_INVALID/);
      expect(run.stderr).toMatch(/could not be rolled back \(.*ENOSPC.*\); version \d+ stays in live\/ but is not brought into service/);
      expect(await served(SITE)).toBe(servedBefore);
      // live/ is on the refused version, but nginx was not reloaded onto it: every invariant still holds.
      expect(await invariants()).toEqual([]);

      // Room again: the next ngcert command refuses it for real.
      await rm(path.join(full, "filler"));
      await ngcertOk(["reload"]);
      expect((await readLiveLinks(le(), SITE)).cert).not.toContain(`cert${next}.pem`);
      expect(await served(SITE)).toBe(servedBefore);
    } finally {
      execFileSync("cp", ["-a", "--remove-destination", path.join(full, "archive"), `${archive}.copy`]);
      await rm(archive);
      const { rename } = await import("node:fs/promises");
      await rename(`${archive}.copy`, archive);
      execFileSync("umount", [full]);
    }
    expect(await invariants()).toEqual([]);
  });
});
