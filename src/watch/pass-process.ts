// Runs one watcher pass (watch/watch-pass.ts) in a short-lived child process — the bundled CLI again, with a hidden
// argument — and applies the operations it prints, one JSON line each, as they arrive. At hosting scale a full check
// reads every lineage, nginx's whole configuration and thousands of handshakes: done in the watcher itself, V8 keeps
// the heap that took for the months the watcher idles; done in a child, it is returned to the system when the child
// exits, and the watcher keeps only what the metrics say of each lineage. A child that crashes, is killed, prints
// something that is not an operation or does not say it finished is a `problem` event, and the watcher goes on.
import type { Settings } from "../settings/settings.js";
import { escapeControl } from "../errors.js";
import { formatDuration } from "../exec.js";
import { makeEvent, type WatchEvent } from "./watch-event.js";
import type { PassOp, PassRequest } from "./watch-pass.js";

/** The argument that makes the bundled CLI run one pass (see cli.ts). */
export const WATCH_PASS_ARG = "--ngcert-watch-pass";

/** What the child reads on stdin. */
export interface PassInput {
  settings: Settings;
  request: PassRequest;
  known: Record<string, boolean | null>;
}

/** The child's last line: without it, the pass did not finish. */
export const PASS_DONE = { op: "done" } as const;

/** A pass can hold a renewal run of many lineages (certbot's own timeouts are 15 minutes each): long, never forever. */
export const PASS_TIMEOUT_MS = 6 * 3600_000;
/** Between SIGTERM (finish the step under way, then exit) and SIGKILL. */
const KILL_GRACE_MS = 30_000;
/** How much of the child's stderr a problem event quotes. */
const STDERR_TAIL = 2_000;

export interface PassProcessOptions {
  /** Program and arguments that run the bundled CLI, WATCH_PASS_ARG included. */
  command: readonly string[];
  env: Record<string, string | undefined>;
  /** Aborted when the watcher stops: the child gets SIGTERM and finishes the step it is in. */
  signal: AbortSignal;
  now: () => Date;
  apply: (op: PassOp) => void;
  log: (line: string) => void;
  timeoutMs?: number;
}

/** Runs the pass; never throws: whatever went wrong with the child is applied as a `problem` event. */
export async function runPassProcess(input: PassInput, options: PassProcessOptions): Promise<void> {
  const [program, ...args] = options.command;
  const fail = (reason: string): void => options.apply({ op: "emit", event: makeEvent(options.now(), "problem", undefined, { reason: `the watcher's ${describeRequest(input.request)} in a child process ${reason}; the watcher goes on and tries again at the next change or check` }) });
  if (program === undefined) return fail("could not start: no command");
  const { execa } = await import("execa");
  const child = execa(program, args, {
    input: JSON.stringify(input),
    env: options.env,
    extendEnv: false,
    reject: false,
    // Nothing is buffered whole: stdout is read line by line below, and only stderr's tail is kept (a buffer's limit
    // would kill the child).
    buffer: false,
    timeout: options.timeoutMs ?? PASS_TIMEOUT_MS,
    cancelSignal: options.signal,
    killSignal: "SIGTERM",
    forceKillAfterDelay: KILL_GRACE_MS,
    stripFinalNewline: true,
  });
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-STDERR_TAIL);
  });
  let done = false;
  let bad: string | undefined;
  try {
    for await (const line of child.iterable({ from: "stdout" })) {
      if (line.trim() === "") continue;
      const op = parsePassLine(line);
      if (op === "done") done = true;
      else if (op === undefined) bad ??= line;
      else options.apply(op);
    }
  } catch {
    // The child's end is judged below, from its result.
  }
  const result = await child;
  const stderr = escapeControl(stderrTail).trim();
  const said = stderr === "" ? "" : `: ${stderr}`;
  // The watcher is stopping: the child finished the step it was in (or was killed after the grace), nothing to report.
  if (result.isCanceled) {
    if (!done) options.log(`the ${describeRequest(input.request)} under way was stopped`);
    return;
  }
  if (result.timedOut) return fail(`did not finish within ${formatDuration(options.timeoutMs ?? PASS_TIMEOUT_MS)} and was killed${said}`);
  if (result.signal) return fail(`was killed by ${result.signal}${said}`);
  if (result.exitCode !== 0) return fail(`${result.exitCode === undefined ? "could not start" : `exited with code ${result.exitCode}`}${said}`);
  if (bad !== undefined) return fail(`printed a line that is not an operation: ${JSON.stringify(escapeControl(bad.slice(0, 200)))}`);
  if (!done) return fail(`ended without finishing${said}`);
}

/** One line of the child's stdout: an operation, "done", or undefined when it is neither. */
export function parsePassLine(line: string): PassOp | "done" | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const op = value as Record<string, unknown>;
  const text = (key: string): boolean => typeof op[key] === "string";
  switch (op.op) {
    case "done":
      return "done";
    case "emit": {
      const event = op.event as Partial<WatchEvent> | undefined;
      return typeof event === "object" && event !== null && typeof event.time === "string" && typeof event.event === "string" ? (op as PassOp) : undefined;
    }
    case "log":
      return text("line") ? (op as PassOp) : undefined;
    case "remember":
      return text("name") && typeof op.metrics === "object" && op.metrics !== null && Array.isArray((op.metrics as { problems?: unknown }).problems) ? (op as PassOp) : undefined;
    case "forget":
      return text("name") ? (op as PassOp) : undefined;
    case "write-metrics":
      return op as PassOp;
    case "last-reload":
      return text("time") && typeof op.success === "boolean" ? (op as PassOp) : undefined;
    case "last-check":
    case "wake-at":
      return text("time") ? (op as PassOp) : undefined;
    case "recheck-after-run":
      return Array.isArray(op.names) && op.names.every((name) => typeof name === "string") ? (op as PassOp) : undefined;
    default:
      return undefined;
  }
}

function describeRequest(request: PassRequest): string {
  if (request.kind === "full") return "full check";
  if (request.kind === "renew") return "renewal step";
  return `check of ${request.names.join(", ")}`;
}
