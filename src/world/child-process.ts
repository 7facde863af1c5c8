// Long-running children (nginx, Pebble, challtestsrv, the demo's upstreams) with their output in a log file and a
// bounded stop. Children still running when this process exits are killed, unless released to outlive it.
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readStartTicks } from "../fs/process-alive.js";
import { sleep } from "./wait.js";

export interface ChildOptions {
  /** Short name for messages ("pebble"). */
  name: string;
  program: string;
  args: readonly string[];
  env: Record<string, string | undefined>;
  /** stdout and stderr both go here. */
  logFile: string;
  cwd?: string;
  /**
   * A session of its own: a Ctrl-C at the terminal then reaches only us, and we stop the child in order; and a child
   * that is released keeps running when the terminal closes.
   */
  detached?: boolean;
}

export interface Child {
  name: string;
  pid: number;
  /** Its start time in clock ticks since boot (/proc/PID/stat), so a reused pid is never mistaken for it. */
  startTicks: number | undefined;
  logFile: string;
  /** Why the child is gone (exit code, signal, spawn error), or undefined while it runs. */
  exitReason(): string | undefined;
  /** The last lines of its log, for error messages. */
  tail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Lets it outlive this process: not killed at exit, and no longer keeping the event loop alive. */
  release(): void;
}

// Killed when this process exits normally, so a crash leaves no nginx holding a port. (SIGKILL cannot be caught:
// stop() is the real path.)
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of running) child.kill("SIGTERM");
  });
}

export function readTail(file: string, lines = 30): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

export function startChild(options: ChildOptions): Child {
  installExitHook();
  const log = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(options.program, [...options.args], { env: options.env, cwd: options.cwd, stdio: ["ignore", log, log], detached: options.detached === true });
  } finally {
    // The child holds its own copy of the descriptor.
    closeSync(log);
  }
  let reason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      reason ??= `could not start ${options.program}: ${error.message}`;
      running.delete(child);
      resolve();
    });
    child.once("exit", (code, signal) => {
      reason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
      running.delete(child);
      resolve();
    });
  });
  running.add(child);
  const pid = child.pid ?? -1;
  return {
    name: options.name,
    pid,
    startTicks: pid > 0 ? readStartTicks(pid) : undefined,
    logFile: options.logFile,
    exitReason: () => reason,
    tail: (lines) => readTail(options.logFile, lines),
    stop: async (graceMs = 5_000) => {
      if (reason !== undefined) return;
      child.kill("SIGTERM");
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) {
        child.kill("SIGKILL");
        await Promise.race([exited, sleep(2_000)]);
      }
    },
    release: () => {
      running.delete(child);
      child.unref();
    },
  };
}

/** An Error for a child that did not come up, with the tail of its log. */
export function describeStartFailure(child: Child, cause: unknown): Error {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${child.name} did not start: ${why}\n--- last lines of ${child.logFile} ---\n${child.tail()}`, { cause });
}
