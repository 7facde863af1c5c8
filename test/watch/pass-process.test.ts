// The watcher's side of a pass in a child process: operations are applied in the order the child prints them, and
// every way a child can fail (crash, kill, timeout, a line that is not an operation, no last line) is one problem event
// that names what happened, with what was applied before it kept; stopping the watcher stops the child quietly.
import { describe, expect, it } from "vitest";
import type { Settings } from "../../src/settings/settings.js";
import { parsePassLine, runPassProcess, type PassInput } from "../../src/watch/pass-process.js";
import type { PassOp } from "../../src/watch/watch-pass.js";

const INPUT: PassInput = { settings: { letsencryptDir: "/nonexistent" } as Settings, request: { kind: "full" }, known: {} };
const NOW = new Date("2026-12-02T12:00:00Z");
const EVENT = { time: NOW.toISOString(), event: "checked", certificates: 2 };
const REMEMBER = { op: "remember", name: "a.test", metrics: { notAfter: "2027-01-01T00:00:00.000Z", daysLeft: 30, problems: [] } };

/** Runs a pass whose child is `node -e SCRIPT`; returns what was applied and logged. */
async function runChild(script: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<{ ops: PassOp[]; logs: string[] }> {
  const ops: PassOp[] = [];
  const logs: string[] = [];
  await runPassProcess(INPUT, {
    command: [process.execPath, "-e", script],
    env: process.env,
    signal: options.signal ?? new AbortController().signal,
    now: () => NOW,
    apply: (op) => ops.push(op),
    log: (line) => logs.push(line),
    timeoutMs: options.timeoutMs,
  });
  return { ops, logs };
}

const print = (...lines: unknown[]): string => lines.map((line) => `process.stdout.write(${JSON.stringify(`${typeof line === "string" ? line : JSON.stringify(line)}\n`)});`).join("");
const problems = (ops: PassOp[]): string[] => ops.flatMap((op) => (op.op === "emit" && op.event.event === "problem" ? [String(op.event.reason)] : []));

describe("parsePassLine", () => {
  it("reads every operation and the last line, and nothing else", () => {
    expect(parsePassLine(JSON.stringify({ op: "emit", event: EVENT }))).toEqual({ op: "emit", event: EVENT });
    expect(parsePassLine(JSON.stringify(REMEMBER))).toEqual(REMEMBER);
    expect(parsePassLine(JSON.stringify({ op: "last-reload", time: NOW.toISOString(), success: true }))).toMatchObject({ op: "last-reload" });
    expect(parsePassLine(JSON.stringify({ op: "recheck-after-run", names: ["a.test"] }))).toMatchObject({ op: "recheck-after-run" });
    expect(parsePassLine('{"op":"done"}')).toBe("done");
    for (const line of ["not json", "[]", "null", '"emit"', '{"op":"emit"}', '{"op":"emit","event":{"event":"checked"}}', '{"op":"remember","name":"a"}', '{"op":"last-reload","time":"x"}', '{"op":"recheck-after-run","names":[1]}', '{"op":"reload-nginx"}']) {
      expect(parsePassLine(line), line).toBeUndefined();
    }
  });
});

describe("runPassProcess", () => {
  it("applies what the child prints, in order, and reports nothing when it finished", async () => {
    const { ops, logs } = await runChild(print({ op: "log", line: "hello" }, REMEMBER, { op: "write-metrics" }, { op: "emit", event: EVENT }, { op: "done" }));
    expect(ops).toEqual([{ op: "log", line: "hello" }, REMEMBER, { op: "write-metrics" }, { op: "emit", event: EVENT }]);
    expect(problems(ops)).toEqual([]);
    expect(logs).toEqual([]);
  });

  it("gets the request on stdin", async () => {
    const { ops } = await runChild(`const input = JSON.parse(require("fs").readFileSync(0, "utf8")); ${print()} process.stdout.write(JSON.stringify({ op: "log", line: input.settings.letsencryptDir + " " + input.request.kind }) + "\\n" + '{"op":"done"}\\n');`);
    expect(problems(ops)).toEqual([]);
  });

  it("a child that crashes is a problem event quoting its stderr; what it printed before stands", async () => {
    const { ops } = await runChild(`${print(REMEMBER)} process.stderr.write("TypeError: boom\\n"); process.exit(3);`);
    expect(ops[0]).toEqual(REMEMBER);
    expect(problems(ops)).toEqual([expect.stringMatching(/^the watcher's full check in a child process exited with code 3: TypeError: boom; the watcher goes on/)]);
  });

  it("a child killed by a signal is a problem event", async () => {
    const { ops } = await runChild(`${print(REMEMBER)} process.kill(process.pid, "SIGKILL");`);
    expect(problems(ops)).toEqual([expect.stringContaining("was killed by SIGKILL")]);
  });

  it("a child that prints something that is not an operation is a problem event, and the rest is still applied", async () => {
    const { ops } = await runChild(print("Warning: something odd", REMEMBER, { op: "done" }));
    expect(ops[0]).toEqual(REMEMBER);
    expect(problems(ops)).toEqual([expect.stringContaining('printed a line that is not an operation: "Warning: something odd"')]);
  });

  it("a child that exits 0 without its last line did not finish: a problem event", async () => {
    const { ops } = await runChild(print(REMEMBER));
    expect(problems(ops)).toEqual([expect.stringContaining("ended without finishing")]);
  });

  it("a child that takes longer than its timeout is killed and reported", async () => {
    const { ops } = await runChild("setTimeout(() => {}, 60_000);", { timeoutMs: 300 });
    expect(problems(ops)).toEqual([expect.stringContaining("did not finish within 300 ms and was killed")]);
  });

  it("a command that cannot start is a problem event", async () => {
    const ops: PassOp[] = [];
    await runPassProcess(INPUT, { command: ["/nonexistent/node"], env: process.env, signal: new AbortController().signal, now: () => NOW, apply: (op) => ops.push(op), log: () => {} });
    expect(problems(ops)).toEqual([expect.stringContaining("could not start")]);
  });

  it("stopping the watcher sends the child SIGTERM, lets it finish its step, and reports no problem", async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    // The child finishes its step on SIGTERM, as a pass does, and says so.
    const { ops, logs } = await runChild(`process.on("SIGTERM", () => { ${print(REMEMBER, { op: "done" })} process.exit(0); }); setTimeout(() => {}, 60_000);`, { signal: stop.signal });
    expect(ops).toEqual([REMEMBER]);
    expect(problems(ops)).toEqual([]);
    expect(logs).toEqual([]);
  });
});
