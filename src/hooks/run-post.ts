// `ngcert hook post`: after a renewal run, every certificate nginx uses must be the one on disk. The versions this
// run's deploy hooks verified, and any renewed without ngcert's deploy hook, come into service here through the door,
// with one reload.
import { bringIntoService, type ServiceOutcome } from "../deploy/bring-into-service.js";
import { finishRenewRun } from "../deploy/renew-run.js";
import { appendRunReport } from "../deploy/run-report.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { summarize } from "./run-deploy-hook.js";

export interface PostResult {
  /** Lineages this run's deploy hooks verified and left to this hook. */
  pending: string[];
  outcome: ServiceOutcome;
}

export async function runPostHook(settings: Settings, exec: Exec, options: { now: Date; env: Record<string, string | undefined> }): Promise<PostResult> {
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "hook post", env: options.env });
  try {
    const repaired = lock.owned ? finishInterrupted(settings) : [];
    const pending = finishRenewRun(settings.letsencryptDir);
    const outcome = await bringIntoService(settings, exec, { by: "hook post", now: options.now, configChanged: false, focus: pending.map((name) => ({ name })) });
    outcome.repaired.unshift(...repaired);
    appendRunReport(settings.letsencryptDir, options.env, { hook: "post", lineages: outcome.lineages.map(summarize), reload: outcome.reload });
    return { pending, outcome };
  } finally {
    lock.release();
  }
}
