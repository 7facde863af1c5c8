// Runs one command of the demo as a person would type it on a server: printed first (`$ ngcert add ...`), run with the
// world's environment, its output shown under it. A Ctrl-C interrupts it the way a terminal would.
import { NgcertError } from "../errors.js";
import { describeCommand, type Exec, type ExecResult } from "../exec.js";

export interface StepRunner {
  /**
   * `shown` is the command line as typed (`ngcert status`); `program` the file that runs it. Throws when it exits
   * non-zero, unless `allowFailure`.
   */
  run(shown: readonly string[], program: string, options?: { allowFailure?: boolean; timeoutMs?: number }): Promise<ExecResult>;
}

export interface StepRunnerOptions {
  exec: Exec;
  env: Record<string, string>;
  signal: AbortSignal;
  /** The command line, before it runs. */
  showCommand: (line: string) => void;
  /** What it printed, once it has finished. */
  showOutput: (text: string) => void;
}

export function makeStepRunner(options: StepRunnerOptions): StepRunner {
  return {
    run: async (shown, program, runOptions = {}) => {
      const line = describeCommand(shown[0]!, shown.slice(1));
      options.showCommand(line);
      const result = await options.exec(program, shown.slice(1), {
        env: options.env,
        timeoutMs: runOptions.timeoutMs ?? 180_000,
        allowFailure: true,
        // Its own process group, so an interrupt reaches whatever it started (certbot, its hooks) too.
        ownProcessGroup: true,
        signal: options.signal,
      });
      const output = [result.stderr, result.stdout].filter((text) => text.trim() !== "").join("\n");
      if (output !== "") options.showOutput(output);
      if (result.exitCode !== 0 && !runOptions.allowFailure) {
        throw new NgcertError("EXEC_FAILED", `the demo stopped: \`${line}\` failed with exit code ${result.exitCode}`);
      }
      return result;
    },
  };
}
