// The watcher at hosting scale runs each pass in a child process (src/watch/pass-process.ts). On 120 generated
// lineages (expired, expiring, standalone ones among them) the built CLI gives exactly the same events and metrics
// with its passes in a child as with them in line; and a child killed at its first step is a problem event each time,
// while the watcher keeps watching, hears the next change and stops cleanly.
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateLineages } from "../../bench/generate-lineages.js";
import { findPrograms } from "../../src/world/programs.js";
import { requirePrograms } from "../world/programs.js";
import { describeWatcher, startWatcher, stopAllWatchers, type Watcher, type WatchEventLine } from "../world/run-watcher.js";
import { waitFor } from "../../src/world/wait.js";

const programs = requirePrograms();
const skipped = programs.skip ? ` (skipped: ${programs.reason})` : "";
const LINEAGES = 120;

describe.skipIf(programs.skip)(`ngcert watch with its passes in a child process${skipped}`, () => {
  let scratch = "";
  let pristine = "";

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), "ngcert-watch-pass-"));
    pristine = path.join(scratch, "pristine");
    await generateLineages(pristine, LINEAGES);
    writeFileSync(path.join(scratch, "nginx.conf"), `pid ${scratch}/nginx.pid;\nerror_log ${scratch}/error.log;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:9; return 404; } }\n`);
    // Renewals are due among the generated lineages: a certbot that fails at once, and a CA nothing answers.
    writeFileSync(path.join(scratch, "certbot"), '#!/bin/sh\n[ "$1" = --version ] && { echo "certbot 2.1.0"; exit 0; }\necho "test: certbot stand-in" >&2\nexit 1\n');
    chmodSync(path.join(scratch, "certbot"), 0o755);
  }, 180_000);

  afterAll(async () => {
    await stopAllWatchers();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /** A copy of the generated tree (renewal confs naming the copy) and a watcher on it. */
  const watchCopy = (name: string, extraEnv: Record<string, string>): { watcher: Watcher; dir: string } => {
    const dir = path.join(scratch, name);
    const letsencryptDir = path.join(dir, "letsencrypt");
    cpSync(pristine, letsencryptDir, { recursive: true, verbatimSymlinks: true });
    for (const conf of readdirSync(path.join(letsencryptDir, "renewal"))) {
      const file = path.join(letsencryptDir, "renewal", conf);
      writeFileSync(file, readFileSync(file, "utf8").split(pristine).join(letsencryptDir));
    }
    const search = findPrograms(process.env);
    const watcher = startWatcher(
      [
        "--letsencrypt-dir", letsencryptDir,
        "--nginx-conf", path.join(scratch, "nginx.conf"),
        "--nginx-bin", search.found ? search.programs.nginx : "nginx",
        "--certbot-bin", path.join(scratch, "certbot"),
        "--server", "https://127.0.0.1:9/directory",
        "--cache-dir", path.join(dir, "cache"),
        "--metrics-file", path.join(dir, "ngcert.prom"),
        "--config", path.join(dir, "no-config.json"),
        "--interval", "3600",
      ],
      { env: Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith("NGCERT_"))), extraEnv },
    );
    return { watcher, dir };
  };

  /** Events without their times and the tree's own path; the metrics file without its clock. */
  const comparable = (watcher: Watcher, dir: string): { events: WatchEventLine[]; metrics: string } => ({
    events: watcher.events().map(({ time: _time, ...event }) => JSON.parse(JSON.stringify(event).split(dir).join("<dir>")) as WatchEventLine),
    metrics: readFileSync(path.join(dir, "ngcert.prom"), "utf8").replace(/^ngcert_last_check_timestamp_seconds \d+$/m, "ngcert_last_check_timestamp_seconds <time>"),
  });

  /** The full check and the renewal step after it are over when no event line has come for 3 s. */
  const settle = async (watcher: Watcher): Promise<void> => {
    await watcher.waitForEvent((event) => event.event === "checked", { what: "the first full check", timeoutMs: 120_000 });
    let seen = -1;
    await waitFor(
      async () => {
        const now = watcher.events().length;
        const quiet = now === seen;
        seen = now;
        return quiet ? true : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 3_000, what: "the watcher's renewal step to end" },
    );
  };

  it(`gives the same events and metrics for ${LINEAGES} lineages whether its passes run in line or in a child process`, async () => {
    const trace = (name: string): string => path.join(scratch, `${name}.trace`);
    const inline = watchCopy("inline", { NGCERT_WATCH_CHILD_FROM: "100000", NGCERT_FAULT_TRACE: trace("inline") });
    const child = watchCopy("child", { NGCERT_FAULT_TRACE: trace("child") });
    await Promise.all([settle(inline.watcher), settle(child.watcher)]);
    const expected = comparable(inline.watcher, inline.dir);
    const actual = comparable(child.watcher, child.dir);
    // The run did something worth comparing: every lineage checked, problems found, renewals attempted.
    expect(expected.events.find((event) => event.event === "checked")).toMatchObject({ certificates: LINEAGES });
    expect(expected.events.filter((event) => event.event === "problem" && event.code === "EXPIRED").length).toBeGreaterThan(0);
    expect(expected.events.filter((event) => event.event === "problem" && event.renewal === "failed").length).toBeGreaterThan(0);
    expect(actual.events).toEqual(expected.events);
    expect(actual.metrics).toBe(expected.metrics);
    // Only the watcher at the default threshold ran its pass (the full check and its renewal step) in a child.
    const passes = (name: string): number => readFileSync(trace(name), "utf8").split("\n").filter((line) => line.startsWith("watch pass\t") && line.includes("\twatch pass read its request\t")).length;
    expect(passes("child")).toBe(1);
    expect(passes("inline")).toBe(0);
    expect(child.watcher.stderr(), describeWatcher(child.watcher)).not.toMatch(/unexpected error/);
    for (const { watcher } of [inline, child]) expect((await watcher.stop()).code).toBe(0);
  }, 300_000);

  it("reports a pass whose child is killed as a problem each time, keeps watching, and stops cleanly", async () => {
    const { watcher, dir } = watchCopy("killed", { NGCERT_WATCH_CHILD_FROM: "0", NGCERT_FAULT_KILL_AT: "watch pass:1" });
    const first = await watcher.waitForEvent((event) => event.event === "problem", { what: "the killed full check's problem", timeoutMs: 60_000 });
    expect(first.event.reason).toMatch(/^the watcher's full check in a child process was killed by SIGKILL; the watcher goes on/);
    expect(first.event.name).toBeUndefined();
    const name = readdirSync(path.join(dir, "letsencrypt", "live"))[0]!;
    const from = watcher.mark();
    writeFileSync(path.join(dir, "letsencrypt", "live", name, "touched"), "");
    await watcher.waitForEvent((event) => event.event === "changed" && event.name === name, { from, what: "the change to be heard", timeoutMs: 30_000 });
    const again = await watcher.waitForEvent((event) => event.event === "problem", { from, what: "the killed check's problem", timeoutMs: 60_000 });
    expect(again.event.reason).toContain(`check of ${name} in a child process was killed by SIGKILL`);
    expect(watcher.exit(), describeWatcher(watcher)).toBeUndefined();
    expect(watcher.events().some((event) => event.event === "checked")).toBe(false);
    expect((await watcher.stop()).code).toBe(0);
  }, 120_000);
});
