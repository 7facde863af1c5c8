// The one wrapper around execa: argument arrays only, a timeout on every run, and failures become NgcertError
// carrying the command, exit code, output and duration.
import { NgcertError, escapeControl, type ProgramRun } from "./errors.js";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The program exited but what it started held its output open past leftoverGraceMs, and was killed. */
  leftBehind?: boolean;
}

export interface ExecOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  /** Default DEFAULT_TIMEOUT_MS: nothing ngcert starts may hang it. */
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the program exits non-zero. */
  allowFailure?: boolean;
  /** Stream the program's stderr to ours while it runs (progress for a person). */
  inheritStderr?: boolean;
  /**
   * Run it in a process group of its own and kill the whole group on timeout: a reload command that is a script can
   * leave a child holding its output open, and the run would never end. Not for certbot, which must get a Ctrl-C.
   */
  ownProcessGroup?: boolean;
  /**
   * Interrupts the program when aborted, as Ctrl-C at a terminal would: SIGINT to its process group (with
   * ownProcessGroup, so whatever it started is interrupted too), SIGKILL after a grace period; the run then throws.
   */
  signal?: AbortSignal;
  /**
   * With ownProcessGroup: once the program itself has exited, how long what it started may keep its output open; then
   * its group is killed, its pipes are let go, and the run ends with the program's own exit (`leftBehind`). Without
   * it the run waits for the output to close, which a background child of a script may never do.
   */
  leftoverGraceMs?: number;
  /** Keep only the first this many bytes of stdout and of stderr; the rest is read and dropped, the program runs on. */
  maxOutputBytes?: number;
}

export type Exec = (program: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export const DEFAULT_TIMEOUT_MS = 120_000;

/** How long a killed program's group gets between SIGTERM and SIGKILL. */
const KILL_GRACE_MS = 2_000;

export function describeCommand(program: string, args: readonly string[]): string {
  return [program, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(" ");
}

export const execProgram: Exec = async (program, args, options = {}) => {
  // Loaded on first use: most runs of most commands start no program, and execa costs ~25 ms to load.
  const { execa } = await import("execa");
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const keepBytes = options.maxOutputBytes;
  const child = execa(program, [...args], {
    reject: false,
    env: options.env,
    extendEnv: options.env === undefined,
    input: options.input,
    // With a group of its own, the group is killed below; otherwise execa kills the child itself.
    timeout: options.ownProcessGroup ? undefined : timeoutMs,
    forceKillAfterDelay: KILL_GRACE_MS,
    detached: options.ownProcessGroup === true,
    stdin: options.input === undefined ? "ignore" : "pipe",
    stderr: options.inheritStderr ? ["pipe", "inherit"] : "pipe",
    stripFinalNewline: true,
    // A bounded run collects its output itself, below.
    buffer: keepBytes === undefined,
  });
  const kept = { stdout: [] as Buffer[], stderr: [] as Buffer[] };
  if (keepBytes !== undefined) {
    for (const name of ["stdout", "stderr"] as const) {
      let seen = 0;
      child[name]?.on("data", (chunk: Buffer) => {
        if (seen < keepBytes) kept[name].push(chunk.subarray(0, keepBytes - seen));
        seen += chunk.length;
      });
    }
  }
  let groupTimedOut = false;
  let leftBehind = false;
  let interrupted = false;
  const timers: NodeJS.Timeout[] = [];
  const pid = child.pid;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (pid === undefined) return;
    try {
      // The group when it has one of its own, else the program alone.
      process.kill(options.ownProcessGroup ? -pid : pid, signal);
    } catch {
      // Already gone.
    }
  };
  const interrupt = (): void => {
    interrupted = true;
    killGroup("SIGINT");
    timers.push(setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS));
  };
  if (options.signal?.aborted) interrupt();
  else options.signal?.addEventListener("abort", interrupt, { once: true });
  if (options.ownProcessGroup && pid !== undefined) {
    const groupTimeout = setTimeout(() => {
      groupTimedOut = true;
      killGroup("SIGTERM");
      timers.push(setTimeout(() => killGroup("SIGKILL"), KILL_GRACE_MS));
    }, timeoutMs);
    timers.push(groupTimeout);
    const leftoverGraceMs = options.leftoverGraceMs;
    if (leftoverGraceMs !== undefined) {
      // The program's own end is what counts: its timeout stops, and what it left holding the pipes gets a grace.
      child.once("exit", () => {
        clearTimeout(groupTimeout);
        timers.push(
          setTimeout(() => {
            leftBehind = true;
            killGroup("SIGKILL");
            // A process that left the group (setsid) survives the kill: stop reading what it holds.
            child.stdout?.destroy();
            child.stderr?.destroy();
          }, leftoverGraceMs),
        );
      });
    }
  }
  const result = await child;
  for (const timer of timers) clearTimeout(timer);
  options.signal?.removeEventListener("abort", interrupt);
  const run: ProgramRun = {
    command: describeCommand(program, args),
    exitCode: result.exitCode,
    stdout: keepBytes === undefined ? (typeof result.stdout === "string" ? result.stdout : "") : readKept(kept.stdout),
    stderr: keepBytes === undefined ? (typeof result.stderr === "string" ? result.stderr : "") : readKept(kept.stderr),
    durationMs: Date.now() - started,
    timedOut: groupTimedOut || result.timedOut === true,
  };
  const output = escapeControl(run.stderr || run.stdout) || undefined;
  if (interrupted) {
    throw new NgcertError("EXEC_FAILED", `\`${run.command}\` was interrupted`, { details: output, program: run });
  }
  if (run.timedOut) {
    throw new NgcertError("EXEC_FAILED", `\`${run.command}\` did not finish within ${formatDuration(timeoutMs)} and was killed`, { details: output, program: run });
  }
  if (result.failed && run.exitCode === undefined) {
    const reason = result.cause instanceof Error ? result.cause.message : (result.shortMessage ?? "unknown error");
    throw new NgcertError("EXEC_FAILED", `could not run \`${run.command}\`: ${escapeControl(reason)}`, { cause: result.cause, details: output, program: run });
  }
  const exitCode = run.exitCode ?? 1;
  if (exitCode !== 0 && !options.allowFailure) {
    throw new NgcertError("EXEC_FAILED", `\`${run.command}\` failed with exit code ${exitCode}`, { details: output, program: run });
  }
  return { exitCode, stdout: run.stdout, stderr: run.stderr, durationMs: run.durationMs, ...(leftBehind ? { leftBehind } : {}) };
};

function readKept(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
