// The three timed programs of the status bench, each run checked so a broken or do-nothing run cannot count.
import { readdirSync, rmSync } from "node:fs";
import { checkCertbotOutput, type CertbotCheck } from "./check-certbot-output.js";
import { checkStatusJson, type StatusCheck } from "./check-status-json.js";
import type { GeneratedLineage } from "./generate-lineages.js";
import { runTimed, type Run } from "./measure.js";

/** A run that failed or produced wrong output: the bench's numbers would mean nothing. */
export class BrokenRun extends Error {}

export interface RunnerSetup {
  cliPath: string;
  letsencryptDir: string;
  lineages: readonly GeneratedLineage[];
  cacheDir: string;
  /** Throwaway certbot work and logs dirs: never the system's. */
  certbotWorkDir: string;
  certbotLogsDir: string;
  env: NodeJS.ProcessEnv;
}

export function runCertbot(setup: RunnerSetup): { run: Run; check: CertbotCheck } {
  const args = ["certificates", "--config-dir", setup.letsencryptDir, "--work-dir", setup.certbotWorkDir, "--logs-dir", setup.certbotLogsDir];
  const run = runTimed("certbot", args, { env: setup.env, measureRss: true });
  if (run.status !== 0) throw new BrokenRun(`certbot ${args.join(" ")} exited ${run.status}:\n${run.stderr.trim()}`);
  const check = checkCertbotOutput(run.stdout, run.stderr, setup.lineages, new Date());
  if (check.errors.length > 0) throw new BrokenRun(`certbot certificates output is not what was generated:\n  ${check.errors.join("\n  ")}`);
  return { run, check };
}

export type CacheState = "cold" | "warm";

export function runStatus(setup: RunnerSetup, state: CacheState): { run: Run; check: StatusCheck; cacheWasEmpty: boolean } {
  if (state === "cold") rmSync(setup.cacheDir, { recursive: true, force: true });
  const cacheWasEmpty = listDir(setup.cacheDir).length === 0;
  const args = [setup.cliPath, "status", "--json", "--letsencrypt-dir", setup.letsencryptDir, "--cache-dir", setup.cacheDir];
  const run = runTimed(process.execPath, args, { env: setup.env, measureRss: true });
  // Exit 1 is expected: some generated lineages are expired, expiring or standalone.
  if (run.status !== 0 && run.status !== 1) throw new BrokenRun(`ngcert status (${state}) exited ${run.status}:\n${run.stderr.trim()}`);
  const check = checkStatusJson(run.stdout, setup.lineages, new Date());
  if (check.errors.length > 0) throw new BrokenRun(`ngcert status (${state}) output is wrong:\n  ${check.errors.join("\n  ")}`);
  return { run, check, cacheWasEmpty };
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
