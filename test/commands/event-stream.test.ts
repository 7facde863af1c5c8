// --on-event cannot hold the watcher: a notifier that leaves a child holding its output, or that hangs, does not block
// the events after it, and the log says which of the two happened; the queue of events it has not been given is
// bounded; stopping waits for the notifier a few seconds, not 30 s per queued event.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openEventStream, type EventStreamLimits } from "../../src/commands/event-stream.js";
import type { Context } from "../../src/context.js";
import { execProgram, type Exec } from "../../src/exec.js";
import { isRunning, killAll, readPids, waitUntil } from "../helpers/process-state.js";

const LIMITS: EventStreamLimits = { timeoutMs: 30_000, leftoverGraceMs: 200, maxPending: 1_000, closeMs: 3_000 };

function makeContext(exec: Exec): Context & { out: string[] } {
  const out: string[] = [];
  return { exec, env: {}, now: () => new Date(), cwd: "/", stdout: { write: (text) => void out.push(text) }, stderr: { write: () => {} }, isTTY: false, out };
}

const render = (event: { n: number }): string => `${JSON.stringify(event)}\n`;

describe("openEventStream with --on-event", () => {
  let dir: string;
  const pidFile = (): string => path.join(dir, "pids");
  const deliveredFile = (): string => path.join(dir, "delivered");
  const delivered = (): number[] => {
    try {
      return readFileSync(deliveredFile(), "utf8").trim().split("\n").filter(Boolean).map((line) => (JSON.parse(line) as { n: number }).n);
    } catch {
      return [];
    }
  };
  /** A notifier: `sh -c SCRIPT sh <pids file> <delivered file>`; the script appends its stdin to $2 first. */
  const notifier = (script: string): string[] => ["sh", "-c", `cat >> "$2"; ${script}`, "sh", pidFile(), deliveredFile()];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ngcert-event-stream-"));
  });

  afterEach(() => {
    killAll(readPids(pidFile()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("a notifier that exits at once but leaves a child holding its output does not block the next events", async () => {
    const logs: string[] = [];
    const stream = openEventStream(makeContext(execProgram), render, notifier(`sleep 100000 & echo $! >> "$1"; exit 0`), (line) => logs.push(line), LIMITS);
    const started = Date.now();
    for (const n of [1, 2, 3]) stream.emit({ n });
    await stream.close();
    expect(delivered()).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(logs).toHaveLength(3);
    for (const line of logs) expect(line).toBe("--on-event command exited with 0; what it left running still held its output 200 ms later and was killed");
    const pids = readPids(pidFile());
    expect(pids).toHaveLength(3);
    for (const pid of pids) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("a notifier that hangs is killed with its children at its timeout, and the next event runs", async () => {
    const logs: string[] = [];
    const stream = openEventStream(makeContext(execProgram), render, notifier(`sleep 100000 & echo $! >> "$1"; [ "$(tail -n 1 "$2")" = '{"n":1}' ] && wait; echo done >&2; exit 4`), (line) => logs.push(line), { ...LIMITS, timeoutMs: 300 });
    stream.emit({ n: 1 });
    stream.emit({ n: 2 });
    await stream.close();
    expect(delivered()).toEqual([1, 2]);
    expect(logs).toEqual([
      expect.stringMatching(/^--on-event command: `sh -c .*` did not finish within 300 ms and was killed$/),
      "--on-event command exited with 4: done; what it left running still held its output 200 ms later and was killed",
    ]);
    for (const pid of readPids(pidFile())) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("runs the notifier in its own process group with its output bounded", async () => {
    const seen: Parameters<Exec>[2][] = [];
    const exec: Exec = async (_program, _args, options) => {
      seen.push(options);
      return { exitCode: 0, stdout: "", stderr: "", durationMs: 1 };
    };
    const stream = openEventStream(makeContext(exec), render, ["notify"], () => {}, LIMITS);
    stream.emit({ n: 1 });
    await stream.close();
    expect(seen).toEqual([expect.objectContaining({ input: '{"n":1}\n', ownProcessGroup: true, timeoutMs: 30_000, leftoverGraceMs: 200, maxOutputBytes: 65_536 })]);
  });

  it("drops the oldest events it could not give the notifier yet beyond the limit, and says how many", async () => {
    const given: string[] = [];
    let release: () => void = () => {};
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const exec: Exec = async (_program, _args, options) => {
      given.push(options?.input ?? "");
      if (given.length === 1) await blocked;
      return { exitCode: 0, stdout: "", stderr: "", durationMs: 1 };
    };
    const logs: string[] = [];
    const context = makeContext(exec);
    const stream = openEventStream(context, render, ["notify"], (line) => logs.push(line), { ...LIMITS, maxPending: 5 });
    for (let n = 1; n <= 9; n += 1) stream.emit({ n });
    expect(context.out).toHaveLength(9);
    release();
    await stream.close();
    // 1 was under way; 2 to 9 waited, 5 fit: 2, 3 and 4 were dropped.
    expect(given.map((line) => (JSON.parse(line) as { n: number }).n)).toEqual([1, 5, 6, 7, 8, 9]);
    expect(logs).toEqual(["--on-event command fell behind: the 3 oldest events were dropped without running it"]);
  });

  it("stopping waits for the notifier a few seconds at most, then interrupts it and says what was not given", async () => {
    const logs: string[] = [];
    const stream = openEventStream(makeContext(execProgram), render, notifier(`sleep 100000 & echo $! >> "$1"; wait`), (line) => logs.push(line), { ...LIMITS, closeMs: 300 });
    for (const n of [1, 2, 3]) stream.emit({ n });
    const started = Date.now();
    await stream.close();
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(delivered()).toEqual([1]);
    expect(logs).toEqual([expect.stringMatching(/^--on-event command: `sh -c .*` was interrupted$/), "stopping: 2 events were not given to the --on-event command"]);
    for (const pid of readPids(pidFile())) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("aborts its signal on SIGHUP as on SIGTERM and SIGINT", async () => {
    for (const signal of ["SIGHUP", "SIGTERM", "SIGINT"] as const) {
      const others = process.listeners(signal);
      const stream = openEventStream(makeContext(execProgram), render, undefined, () => {}, LIMITS);
      // Only the stream's own listener is called: another (execa's signal-exit) may re-send the signal to this process.
      const added = process.listeners(signal).filter((listener) => !others.includes(listener));
      expect(added, signal).toHaveLength(1);
      added[0]!(signal);
      expect(stream.signal.aborted, signal).toBe(true);
      await stream.close();
      expect(process.listeners(signal)).toEqual(others);
    }
  });
});
