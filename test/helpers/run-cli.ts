// Runs the CLI in-process with captured output, an explicit environment and a fixed clock: what `ngcert` would print,
// without a child process or anything from the machine it runs on.
import { runCli } from "../../src/cli/run-cli.js";
import type { Context } from "../../src/context.js";
import type { Exec } from "../../src/exec.js";

/** The clock of every in-process run unless a test says otherwise. */
export const FIXED_NOW = new Date("2026-06-01T12:00:00.000Z");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  now?: Date;
  cwd?: string;
  isTTY?: boolean;
  /** Default: refuse to start any program, so a command that should not run one fails loudly. */
  exec?: Exec;
}

export async function runNgcert(argv: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const now = options.now ?? FIXED_NOW;
  const context: Context = {
    exec:
      options.exec ??
      (async (program) => {
        throw new Error(`a test run of ngcert tried to start ${program}`);
      }),
    env: options.env ?? {},
    now: () => new Date(now),
    cwd: options.cwd ?? "/nonexistent-cwd",
    stdout: { write: (text) => void (stdout += text) },
    stderr: { write: (text) => void (stderr += text) },
    isTTY: options.isTTY ?? false,
  };
  const code = await runCli(argv, context);
  return { code, stdout, stderr };
}
