// The one wrapper around execa: argument arrays only, and failures become NgcertError with the program's own stderr.
import { NgcertError } from "./errors.js";

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Resolve with the result instead of throwing when the program exits non-zero. */
  allowFailure?: boolean;
  /** Stream the program's stderr to ours while it runs (progress for a person). */
  inheritStderr?: boolean;
}

export type Exec = (program: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>;

export function describeCommand(program: string, args: readonly string[]): string {
  return [program, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(" ");
}

export const execProgram: Exec = async (program, args, options = {}) => {
  // Loaded on first use: most runs of most commands start no program, and execa costs ~25 ms to load.
  const { execa } = await import("execa");
  const result = await execa(program, [...args], {
    reject: false,
    env: options.env,
    extendEnv: options.env === undefined,
    input: options.input,
    timeout: options.timeoutMs,
    stdin: options.input === undefined ? "ignore" : "pipe",
    stderr: options.inheritStderr ? ["pipe", "inherit"] : "pipe",
    stripFinalNewline: true,
  });
  const stdout = typeof result.stdout === "string" ? result.stdout : "";
  const stderr = typeof result.stderr === "string" ? result.stderr : "";
  const command = describeCommand(program, args);
  if (result.failed && result.exitCode === undefined) {
    const reason = result.timedOut
      ? `timed out after ${options.timeoutMs} ms`
      : (result.cause instanceof Error ? result.cause.message : result.shortMessage);
    throw new NgcertError("EXEC_FAILED", `could not run \`${command}\`: ${reason}`, { cause: result.cause, details: stderr || undefined });
  }
  const exitCode = result.exitCode ?? 1;
  if (exitCode !== 0 && !options.allowFailure) {
    throw new NgcertError("EXEC_FAILED", `\`${command}\` failed with exit code ${exitCode}`, { details: stderr || stdout || undefined });
  }
  return { exitCode, stdout, stderr };
};
