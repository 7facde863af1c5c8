// `ngcert renew`: under the writer lock, finish what an interrupted run left, then the renewal run
// (renewal/renew-lineages.ts): what is due by ngcert's judgement (or everything with --force, or a rehearsal with
// --dry-run), each through certbot with ngcert's hooks, the door once more, and a summary built from the lineages
// before and after and from what the hooks reported.
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { assertKnownNames } from "../status/collect-status.js";
import { renewLineages, type RenewSummary } from "../renewal/renew-lineages.js";
import type { Settings } from "../settings/settings.js";

export { type LineageRenewal, type RenewedStatus, type RenewSummary } from "../renewal/renew-lineages.js";

export interface RenewOptions {
  force: boolean;
  certName: string | undefined;
  dryRun: boolean;
  env: Record<string, string | undefined>;
  showProgress: boolean;
  now: () => Date;
  random?: () => number;
}

export async function runRenew(settings: Settings, exec: Exec, options: RenewOptions): Promise<RenewSummary> {
  // An unknown name is bad usage, refused before the lock: exit 2 leaves nothing behind, not even a lock file.
  if (options.certName !== undefined) assertKnownNames(settings.letsencryptDir, [options.certName]);
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "renew", env: options.env });
  try {
    const repaired = finishInterrupted(settings);
    const summary = await renewLineages(settings, exec, {
      mode: options.dryRun ? "dry-run" : options.force ? "force" : "due",
      certName: options.certName,
      env: options.env,
      lockEnv: lock.env,
      showProgress: options.showProgress,
      now: options.now,
      ...(options.random ? { random: options.random } : {}),
      settleAlways: true,
    });
    summary.repaired.unshift(...repaired);
    return summary;
  } finally {
    lock.release();
  }
}
