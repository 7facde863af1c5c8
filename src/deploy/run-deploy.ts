// `ngcert hook deploy`: a renewed lineage reaches nginx only if it is good, and nginx is proven to serve it. On any
// failure live/ points at the previous version again, the refused version leaves archive/, nginx keeps the old one.
import path from "node:path";
import { findLineageByLiveDir } from "../certbot/find-lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { addPendingLineage, inMarkedRenewRun } from "../hooks/renew-run.js";
import { reconcileLineage, type ReconcileOutcome } from "./reconcile-lineage.js";

export interface DeployInput {
  renewedLineage: string | undefined;
  renewedDomains: string[];
  now: () => Date;
  env: Record<string, string | undefined>;
  /** How long to wait for nginx to serve the new certificate after the reload. */
  servedTimeoutMs?: number;
}

export type DeployOutcome = Exclude<ReconcileOutcome, { status: "refused" } | { status: "nginx-down" }>;

export async function runDeploy(settings: Settings, exec: Exec, input: DeployInput): Promise<DeployOutcome> {
  if (!input.renewedLineage) throw new NgcertError("USAGE", "RENEWED_LINEAGE is not set: `ngcert hook deploy` is run by certbot after a renewal");
  // certbot passes the directory of the conf's cert path: live/<name> for most lineages, anywhere a conf points for others.
  const name = findLineageByLiveDir(settings.letsencryptDir, input.renewedLineage);
  if (name === undefined) {
    const renewal = path.join(settings.letsencryptDir, "renewal");
    throw new NgcertError("INVALID_INPUT", `RENEWED_LINEAGE ${input.renewedLineage} is the live directory of no renewal conf in ${renewal} (check --letsencrypt-dir)`);
  }
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "hook deploy", env: input.env });
  try {
    const deferReload = inMarkedRenewRun(settings.letsencryptDir);
    const outcome = await reconcileLineage(settings, exec, name, {
      now: input.now(),
      renewedDomains: input.renewedDomains,
      rollBack: true,
      servedTimeoutMs: input.servedTimeoutMs,
      deferReload,
    });
    if (outcome.status === "deferred") addPendingLineage(settings.letsencryptDir, name);
    const version = outcome.version ?? "?";
    if (outcome.status === "refused") throw new NgcertError("PROBLEMS", `${name}: refused version ${version}: ${outcome.reason}; ${outcome.rolledBack}`);
    if (outcome.status === "nginx-down") throw new NgcertError("PROBLEMS", `${name}: version ${version} is valid, but nginx is not running, so it is not served; start nginx`);
    return outcome;
  } finally {
    lock.release();
  }
}
