// Many ngcert writers at once, with each one held inside the lock to widen the window: they take turns (the trace of
// their lock steps never overlaps), each waits briefly and then fails clearly naming the holder, and a second
// `ngcert renew` started during the first reports only its own work, read under the lock.
import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkInvariants, hashFiles } from "../../world/invariants.js";
import { pointLiveAt, readLiveLinks } from "../../world/lineage-links.js";
import { describeCertbot, runCertbot } from "../../world/run-certbot.js";
import { readSettledNginxProcesses } from "../../world/nginx-processes.js";
import { requirePrograms } from "../../world/programs.js";
import { describeRun, runNgcert, type NgcertRun } from "../../world/run-ngcert.js";
import { waitFor } from "../../../src/world/wait.js";
import { startWorld, type World } from "../../world/world.js";

const programs = requirePrograms();
const NAMES = ["one.ngcert.test", "two.ngcert.test"] as const;

interface Held {
  pid: number;
  from: number;
  to: number;
}

/** The intervals each process held the writer lock, from a trace of the lock steps. */
async function readHeldIntervals(trace: string): Promise<Held[]> {
  const open = new Map<number, number>();
  const held: Held[] = [];
  for (const line of (await readFile(trace, "utf8")).split("\n")) {
    const [, , label, pid, time] = line.split("\t");
    if (label === "lock acquired") open.set(Number(pid), Number(time));
    if (label === "lock released" && open.has(Number(pid))) {
      held.push({ pid: Number(pid), from: open.get(Number(pid))!, to: Number(time) });
      open.delete(Number(pid));
    }
  }
  return held.sort((a, b) => a.from - b.from);
}

describe.skipIf(programs.skip)(`concurrent ngcert writers${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let world: World | undefined;
  const w = (): World => world!;

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    for (const args of [["init"], ...NAMES.map((name) => ["add", name, "--upstream", world!.upstream.url])]) {
      const run = await runNgcert(world, args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("six writers at once, each held 400 ms inside the lock, take turns and all succeed", async () => {
    const trace = path.join(w().dirs.root, "concurrent-trace.txt");
    await rm(trace, { force: true });
    const master = (await readSettledNginxProcesses(w().nginx.pidFile)).master;
    const env = { NGCERT_FAULT_TRACE: trace, NGCERT_FAULT_DELAY: "lock acquired=400" };
    const commands = [["reload"], ["init"], ["reload"], ["add", NAMES[0], "--upstream", w().upstream.url], ["reload"], ["init"]];
    const runs = await Promise.all(commands.map((args) => runNgcert(w(), args, { env })));
    for (const [index, run] of runs.entries()) expect(run.exitCode, `ngcert ${commands[index]!.join(" ")}\n${describeRun(run)}`).toBe(0);
    const held = await readHeldIntervals(trace);
    expect(held.length).toBeGreaterThanOrEqual(commands.length);
    for (let i = 1; i < held.length; i++) expect(held[i]!.from, `lock held by ${held[i - 1]!.pid} and ${held[i]!.pid} at once`).toBeGreaterThanOrEqual(held[i - 1]!.to);
    expect(
      await checkInvariants(w(), { master, sites: NAMES.map((name) => ({ domain: name, lineage: name })), userFiles: await hashFiles([w().nginx.conf]) }),
    ).toEqual([]);
  });

  it("a writer that cannot get the lock within 10 s fails naming the holder, and changes nothing", async () => {
    const holder = runNgcert(w(), ["reload"], { env: { NGCERT_FAULT_DELAY: "lock acquired=13000" } });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const started = Date.now();
    const waiting = await runNgcert(w(), ["remove", NAMES[1]]);
    const waited = Date.now() - started;
    expect(waiting.exitCode, describeRun(waiting)).toBe(1);
    expect(waiting.stderr).toMatch(/^ngcert: `ngcert reload` \(pid \d+, since .*\) is changing this server; try again when it has finished \(lock: .*\.ngcert\/lock\)$/m);
    expect(waited).toBeGreaterThanOrEqual(9_000);
    expect((await holder).exitCode).toBe(0);
    const again = await runNgcert(w(), ["verify", NAMES[1]]);
    expect(again.exitCode, describeRun(again)).toBe(0);
  });

  it("a second renew started during the first reports only its own work", async () => {
    // A certbot that renews in a known time, whatever the machine's load: `renew --force-renewal --cert-name X` waits
    // 1.5 s, then links a spare real version (issued by Pebble beforehand, never served) as X's newest; a plain
    // `renew` finds nothing due. The real certbot's own timing would decide whether the second waits out the lock.
    const name = NAMES[0];
    const le = w().dirs.letsencryptDir;
    const spare = await runCertbot(w(), "renew", ["--force-renewal", "--cert-name", name, "--no-directory-hooks", "--deploy-hook", ""]);
    expect(spare.exitCode, describeCertbot(w(), spare)).toBe(0);
    const spareVersion = Number(/(\d+)\.pem$/.exec((await readLiveLinks(le, name)).cert)![1]);
    await pointLiveAt(le, name, spareVersion - 1);
    const fake = path.join(w().dirs.root, "timed-certbot.mjs");
    await writeFile(
      fake,
      `#!${process.execPath}
import { copyFileSync, readdirSync, renameSync, rmSync, symlinkSync } from "node:fs";
const args = process.argv.slice(2);
const name = args.includes("--force-renewal") ? args[args.indexOf("--cert-name") + 1] : undefined;
if (name) {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const archive = ${JSON.stringify(path.join(le, "archive"))} + "/" + name;
  const next = Math.max(...readdirSync(archive).map((file) => Number(/^cert(\\d+)\\.pem$/.exec(file)?.[1] ?? 0))) + 1;
  for (const kind of ["cert", "chain", "fullchain", "privkey"]) {
    copyFileSync(archive + "/" + kind + ${spareVersion} + ".pem", archive + "/" + kind + next + ".pem");
    const link = ${JSON.stringify(path.join(le, "live"))} + "/" + name + "/" + kind + ".pem";
    rmSync(link + ".tmp", { force: true });
    symlinkSync("../../archive/" + name + "/" + kind + next + ".pem", link + ".tmp");
    renameSync(link + ".tmp", link);
  }
}
`,
      { mode: 0o755 },
    );
    const trace = path.join(w().dirs.root, "renew-trace.txt");
    await rm(trace, { force: true });
    const first: Promise<NgcertRun> = runNgcert(w(), ["renew", "--force", "--cert-name", name, "--certbot-bin", fake], { env: { NGCERT_FAULT_TRACE: trace } });
    await waitFor(async () => ((await readFile(trace, "utf8").catch(() => "")).includes("renew\t1\tlock acquired") ? true : undefined), { what: "the first renew to hold the lock", timeoutMs: 20_000 });
    const second = await runNgcert(w(), ["renew", "--certbot-bin", fake]);
    const firstRun = await first;
    expect(firstRun.exitCode, describeRun(firstRun)).toBe(0);
    expect(firstRun.stderr).toContain(`${name}: renewed; nginx serves the new certificate`);
    expect(second.exitCode, describeRun(second)).toBe(0);
    // It read the lineages once it had the lock, after the first was done: nothing renewed by it.
    expect(second.stderr).toContain(`not due: ${NAMES.join(", ")}`);
    expect(second.stderr).not.toContain("renewed");
  });
});
