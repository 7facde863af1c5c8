// Runs the built CLI (`node dist/cli.js`) against a world, with the world's environment and nothing else.
import path from "node:path";
import { execa } from "execa";
import type { World } from "./world.js";

export const CLI = path.resolve("dist/cli.js");

export interface NgcertRun {
  exitCode: number;
  /** The signal that ended it, when one did (a fault test's SIGKILL). */
  signal?: string | undefined;
  stdout: string;
  stderr: string;
}

export async function runNgcert(world: World, args: readonly string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<NgcertRun> {
  const result = await execa(process.execPath, [CLI, ...args], {
    env: { ...world.env, ...options.env },
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 45_000,
  });
  return { exitCode: result.exitCode ?? -1, signal: result.signal ?? undefined, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** For assertion messages: what the command said. */
export function describeRun(run: NgcertRun): string {
  return `exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}`;
}
