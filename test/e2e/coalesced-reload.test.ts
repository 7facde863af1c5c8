// Several lineages renewed in one certbot run, with `ngcert watch` running as install.sh sets it up: every one is
// verified, nginx reloads once for the run (by the post hook, not the watcher), and the watcher reports no problem.
import { spawn } from "node:child_process";
import { readFile, readlink, rename, rm, stat, symlink } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRenewRun } from "../../src/deploy/renew-run.js";
import { requirePrograms } from "../world/programs.js";
import { describeWatcher, startWatcher, stopAllWatchers, type Watcher } from "../world/run-watcher.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { fetchServedCertificate, readCertificateFile } from "../world/served-certificate.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const NAMES = ["one.coalesce.test", "two.coalesce.test", "three.coalesce.test"];

async function countReloads(world: World): Promise<number> {
  const log = await readFile(world.nginx.errorLog, "utf8").catch(() => "");
  return log.split("\n").filter((line) => line.includes("signal 1 (SIGHUP) received")).length;
}

describe.skipIf(programs.skip)(`one reload per renewal run${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    const config = ["--config", path.join(world.dirs.root, "no-config.json")];
    const init = await runNgcert(world, ["init", ...config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    for (const name of NAMES) {
      const add = await runNgcert(world, ["add", name, "--upstream", world.upstream.url, ...config]);
      expect(add.exitCode, describeRun(add)).toBe(0);
    }
  });
  afterAll(async () => {
    await stopAllWatchers();
    await world?.stop();
  });

  it("renews three lineages with a single nginx reload, and nginx serves each new certificate", async () => {
    const watcher: Watcher = startWatcher(["--config", path.join(world.dirs.root, "no-config.json"), "--interval", "3600"], { env: world.env });
    await watcher.waitForEvent((event) => event.event === "checked", { what: "the watcher's first check", timeoutMs: 30_000 });
    const from = watcher.mark();
    const before = await countReloads(world);
    const run = await execa(world.programs.certbot, ["renew", "--force-renewal", ...world.certbotArgs("renew")], { env: world.env, extendEnv: false, reject: false });
    expect(run.exitCode, run.stderr).toBe(0);
    // certbot shows what a hook printed on stdout as its output; problems would be on stderr, as warnings.
    for (const name of NAMES) expect(run.stdout).toContain(`ngcert hook deploy: ${name}: version 2 verified`);
    expect(run.stdout).toContain("nginx reloaded");
    expect(run.stderr).not.toContain("ran with error output");
    // certbot works through renewal/*.conf in sorted order; the summary names them in the order they were renewed.
    const summary = /ngcert hook post: renewed in this run and served: (.*)/.exec(run.stdout)?.[1] ?? "";
    expect(summary.split(", ")).toEqual([...NAMES].sort());
    const deployOrder = NAMES.map((name) => ({ name, at: run.stdout.indexOf(`ngcert hook deploy: ${name}: version 2 verified`) })).sort((a, b) => a.at - b.at);
    expect(deployOrder.map((entry) => entry.name)).toEqual([...NAMES].sort());
    // Once the run has ended the watcher looks again, finds each served, and never reloaded on its own.
    for (const name of NAMES) await watcher.waitForEvent((event) => event.event === "verified" && event.name === name && event.version === 2, { from, what: `${name} verified after the run`, timeoutMs: 30_000 });
    expect((await countReloads(world)) - before).toBe(1);
    const events = watcher.events().slice(from);
    expect(events.filter((event) => event.event === "reloaded" || event.event === "problem"), describeWatcher(watcher)).toEqual([]);
    expect(watcher.stderr()).not.toMatch(/problem|error/i);
    for (const name of NAMES) {
      const onDisk = await readCertificateFile(path.join(world.dirs.letsencryptDir, "live", name, "cert.pem"));
      const served = await fetchServedCertificate({ port: world.ports.https, servername: name });
      expect(served.fingerprint256, name).toBe(onDisk.fingerprint256);
    }
    // The run's marker is gone: a deploy hook run later reloads at once again.
    expect(await readFile(path.join(world.dirs.letsencryptDir, ".ngcert", "renew-run.json"), "utf8").catch(() => "gone")).toBe("gone");
  });

  it("during a renewal run, a change in a live/ directory its renamed lineage's conf points into is verified under the lineage's name, not a problem", async () => {
    // The lineage renamed: its conf has a new name, its files stay in live/<old name>/ (as certbot leaves them).
    const le = world.dirs.letsencryptDir;
    const [name] = NAMES;
    const conf = path.join(le, "renewal", `${name}.conf`);
    const renamed = path.join(le, "renewal", "renamed.coalesce.test.conf");
    const metrics = path.join(world.dirs.root, "renamed-metrics.prom");
    await rename(conf, renamed);
    await stopAllWatchers();
    const watcher: Watcher = startWatcher(["--config", path.join(world.dirs.root, "no-config.json"), "--metrics-file", metrics, "--interval", "3600"], { env: world.env });
    // A renewal run in progress, as the pre hook marks it (a stand-in process for certbot).
    const certbot = spawn("sleep", ["120"], { stdio: "ignore" });
    try {
      await watcher.waitForEvent((event) => event.event === "checked", { what: "the watcher's first check", timeoutMs: 30_000 });
      startRenewRun(le, certbot.pid!);
      expect(JSON.parse(await readFile(path.join(le, ".ngcert", "renew-run.json"), "utf8"))).toMatchObject({ certbot: { pid: certbot.pid } });
      // Once the first check's own writes are over (the metrics file still for 1 s).
      let metricsBefore = (await stat(metrics)).mtimeMs;
      for (let quiet = 0, tries = 0; quiet < 10 && tries < 300; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        const now = (await stat(metrics)).mtimeMs;
        quiet = now === metricsBefore ? quiet + 1 : 0;
        metricsBefore = now;
      }
      const from = watcher.mark();
      // The link swapped for one to the same file, as certbot swaps links.
      const link = path.join(le, "live", name!, "cert.pem");
      await symlink(await readlink(link), `${link}.new`);
      await rename(`${link}.new`, link);
      await watcher.waitForEvent((event) => event.event === "changed" && event.name === name, { from, what: `a changed event for ${name}`, timeoutMs: 15_000 });
      // The pass ends by rewriting the metrics file, or with a problem: reading only the changed lineage found
      // live/<old name>/ owned by the renamed conf before the pass fell back to reading every lineage.
      const until = Date.now() + 15_000;
      while ((await stat(metrics)).mtimeMs === metricsBefore && !watcher.events().slice(from).some((event) => event.event === "problem") && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(watcher.events().slice(from).filter((event) => event.event === "problem"), describeWatcher(watcher)).toEqual([]);
      expect((await stat(metrics)).mtimeMs, "the pass rewrote the metrics file").toBeGreaterThan(metricsBefore);
      // The deferred pass judged the lineage the directory belongs to, under its conf's name: served as it was.
      await watcher.waitForEvent((event) => event.event === "verified" && event.name === "renamed.coalesce.test", { from, what: "renamed.coalesce.test verified", timeoutMs: 5_000 });
      expect(watcher.exit()).toBeUndefined();
    } finally {
      certbot.kill();
      await rm(path.join(le, ".ngcert", "renew-run.json"), { force: true });
      await rename(renamed, conf);
    }
  });
});
