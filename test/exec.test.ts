// execProgram's limits on what a program may do to ngcert: an endless output is kept to its start, a timeout kills the
// program's whole group, and a program that exits while something it started still holds its output ends the run.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NgcertError } from "../src/errors.js";
import { execProgram } from "../src/exec.js";
import { isRunning, killAll, readPids, waitUntil } from "./helpers/process-state.js";

describe("execProgram", () => {
  let dir: string;
  const pidFile = (): string => path.join(dir, "pids");

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), "ngcert-exec-"));
  });

  afterEach(() => {
    killAll(readPids(pidFile()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("keeps only the first maxOutputBytes of each stream of a program that prints without end", async () => {
    const before = process.memoryUsage().rss;
    const error = await execProgram("sh", ["-c", "yes >&2 & exec yes"], { timeoutMs: 1_000, ownProcessGroup: true, maxOutputBytes: 65_536 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NgcertError);
    const run = (error as NgcertError).program!;
    expect(run.timedOut).toBe(true);
    // 64 KiB of "y\n", less the final newline.
    expect(run.stdout.length).toBe(65_535);
    expect(run.stderr.length).toBe(65_535);
    expect(run.stdout.startsWith("y\ny\n")).toBe(true);
    expect(process.memoryUsage().rss - before).toBeLessThan(64 * 1024 * 1024);
  });

  it("kills the whole group at the timeout, children included", async () => {
    const script = `sleep 100000 & echo $! >> "$1"; sleep 100000 & echo $! >> "$1"; wait`;
    const started = Date.now();
    await expect(execProgram("sh", ["-c", script, "sh", pidFile()], { timeoutMs: 300, ownProcessGroup: true, leftoverGraceMs: 200, maxOutputBytes: 1_024 })).rejects.toThrow(/did not finish within 300 ms and was killed/);
    expect(Date.now() - started).toBeLessThan(3_000);
    const pids = readPids(pidFile());
    expect(pids).toHaveLength(2);
    for (const pid of pids) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("ends with the program's own exit when what it left running holds its output, and kills what it left", async () => {
    const script = `cat >/dev/null; sleep 100000 & echo $! >> "$1"; echo started; exit 0`;
    const started = Date.now();
    const result = await execProgram("sh", ["-c", script, "sh", pidFile()], { input: "{}", timeoutMs: 30_000, ownProcessGroup: true, leftoverGraceMs: 200, maxOutputBytes: 1_024 });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result).toMatchObject({ exitCode: 0, stdout: "started", leftBehind: true });
    const pids = readPids(pidFile());
    expect(pids).toHaveLength(1);
    for (const pid of pids) expect(await waitUntil(() => !isRunning(pid), 2_000), `sleep ${pid} still runs`).toBe(true);
  });

  it("lets go of the output held by a process that left the group, and reports the program's exit code", async () => {
    const script = `setsid sleep 100000 & echo $! >> "$1"; exit 3`;
    const result = await execProgram("sh", ["-c", script, "sh", pidFile()], { allowFailure: true, timeoutMs: 30_000, ownProcessGroup: true, leftoverGraceMs: 200 });
    expect(result).toMatchObject({ exitCode: 3, leftBehind: true });
  });

  it("a program whose output closes when it exits is not left behind", async () => {
    const result = await execProgram("sh", ["-c", `sleep 100000 >/dev/null 2>&1 & echo $! >> "$1"; echo ok`, "sh", pidFile()], { ownProcessGroup: true, leftoverGraceMs: 5_000, maxOutputBytes: 1_024 });
    expect(result).toMatchObject({ exitCode: 0, stdout: "ok" });
    expect(result.leftBehind).toBeUndefined();
  });
});
