// `ngcert watch` (the built CLI) on an empty letsencrypt dir, no nginx needed: a hang-up stops it as SIGTERM does, a
// notifier that leaves children behind neither blocks the events nor keeps it from stopping, and an --interval longer
// than a timer holds is waited, not run in a busy loop.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isRunning, killAll, readPids, waitUntil } from "../helpers/process-state.js";
import { describeWatcher, startWatcher, stopAllWatchers, type WatchEventLine } from "../world/run-watcher.js";

describe("ngcert watch stopping and its timers", () => {
  let dir: string;
  const pidFile = (): string => path.join(dir, "pids");
  const env = (): Record<string, string> => ({
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    NGCERT_LETSENCRYPT_DIR: path.join(dir, "letsencrypt"),
    NGCERT_CACHE_DIR: path.join(dir, "cache"),
    NGCERT_NGINX_DIR: path.join(dir, "nginx"),
    // nginx -t fails: a problem event, and one more event for the notifier.
    NGCERT_NGINX_BIN: "false",
  });
  const config = (): string => path.join(dir, "no-config.json");
  const isEvent = (event: string) => (line: WatchEventLine) => line.event === event;
  /** A notifier script that appends the pid of a `sleep` it leaves running (holding its output) to the pids file. */
  const writeNotifier = (body: string): string => {
    const file = path.join(dir, "notify.sh");
    writeFileSync(file, `#!/bin/sh\ncat >/dev/null\nsleep 100000 &\necho $! >> ${JSON.stringify(pidFile())}\n${body}\n`, { mode: 0o755 });
    return file;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ngcert-watch-stops-"));
    // An empty letsencrypt dir, as `ngcert init` leaves one before the first certificate.
    mkdirSync(path.join(dir, "letsencrypt"));
  });

  afterEach(async () => {
    await stopAllWatchers();
    killAll(readPids(pidFile()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("SIGHUP stops it cleanly (exit 0, `stopped`), and the notifier under way is stopped with its children", async () => {
    const watcher = startWatcher(["--config", config(), "--interval", "3600", "--on-event", writeNotifier("wait")], { env: env() });
    await watcher.waitForEvent(isEvent("checked"), { what: "the first full check", timeoutMs: 30_000 });
    const asked = Date.now();
    process.kill(watcher.pid, "SIGHUP");
    expect(await watcher.exited, describeWatcher(watcher)).toEqual({ code: 0, signal: null });
    expect(Date.now() - asked).toBeLessThan(8_000);
    expect(watcher.stderr()).toMatch(/ngcert watch: stopped\n$/);
    const pids = readPids(pidFile());
    expect(pids.length).toBeGreaterThanOrEqual(1);
    for (const pid of pids) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("a notifier that exits at once but leaves a child holding its output gets every event, and SIGTERM still stops the watcher", async () => {
    const watcher = startWatcher(["--config", config(), "--interval", "3600", "--on-event", writeNotifier("exit 0")], { env: env() });
    await watcher.waitForEvent(isEvent("checked"), { what: "the first full check", timeoutMs: 30_000 });
    const events = watcher.events().length;
    expect(await waitUntil(() => readPids(pidFile()).length === events, 10_000), describeWatcher(watcher)).toBe(true);
    const asked = Date.now();
    expect(await watcher.stop(15_000), describeWatcher(watcher)).toEqual({ code: 0, signal: null });
    expect(Date.now() - asked).toBeLessThan(8_000);
    expect(watcher.stderr()).toContain("--on-event command exited with 0; what it left running still held its output 1 s later and was killed");
    expect(watcher.stderr()).not.toContain("did not finish");
    for (const pid of readPids(pidFile())) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("--interval 31536000 (a year, past what a timer holds) checks once, not in a busy loop", async () => {
    const watcher = startWatcher(["--config", config(), "--interval", "31536000"], { env: env() });
    await watcher.waitForEvent(isEvent("checked"), { what: "the first full check", timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(watcher.events().filter(isEvent("checked")), describeWatcher(watcher)).toHaveLength(1);
    expect(watcher.stderr()).not.toContain("TimeoutOverflowWarning");
    expect(await watcher.stop(), describeWatcher(watcher)).toEqual({ code: 0, signal: null });
  });
});
