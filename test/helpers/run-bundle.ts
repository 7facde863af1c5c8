// Runs the built bundle (`node dist/cli.js`) as a child process with only the environment a test gives it.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import type { CliResult } from "./run-cli.js";

export const BUNDLE = fileURLToPath(new URL("../../dist/cli.js", import.meta.url));
/** The program the launcher dist/cli.js runs, with its source map beside it. */
export const PROGRAM = fileURLToPath(new URL("../../dist/ngcert.js", import.meta.url));

export function assertBundleBuilt(): void {
  if (!existsSync(BUNDLE) || !existsSync(PROGRAM)) throw new Error(`${BUNDLE} is missing: run \`npm run build\` first (\`npm test\` does)`);
}

export async function runBundle(argv: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<CliResult> {
  const result = await execa(process.execPath, [BUNDLE, ...argv], {
    reject: false,
    extendEnv: false,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...options.env },
    cwd: options.cwd,
    stdin: "ignore",
    stripFinalNewline: false,
  });
  return { code: result.exitCode ?? -1, stdout: String(result.stdout), stderr: String(result.stderr) };
}
