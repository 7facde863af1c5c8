// Runs the system certbot against a world directly (not through ngcert), as an operator or another tool would:
// the world's directories, Pebble as the server, and the world's environment only.
import path from "node:path";
import { execa } from "execa";
import { readTail } from "../../src/world/child-process.js";
import type { World } from "./world.js";

export interface CertbotRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** `certbot <subcommand> <args> <the world's common flags>`. */
export async function runCertbot(world: World, subcommand: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<CertbotRun> {
  const result = await execa(world.programs.certbot, [subcommand, ...args, ...world.certbotArgs(subcommand)], {
    env: world.env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    timeout: options.timeoutMs ?? 90_000,
  });
  return { exitCode: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** For assertion messages: what certbot said, and the end of its log. */
export function describeCertbot(world: World, run: CertbotRun): string {
  const log = path.join(world.dirs.logsDir, "letsencrypt.log");
  return `certbot exit ${run.exitCode}\n--- stdout ---\n${run.stdout}\n--- stderr ---\n${run.stderr}\n--- ${log} ---\n${readTail(log, 40)}`;
}
