// `ngcert hook deploy`: a renewed lineage reaches nginx only through the door (deploy/bring-into-service.ts): checked,
// nginx -t, reloaded, proven served — or refused, live/ back on the previous version. Inside a marked renewal run it
// is checked only, and the run's post hook reloads once for all.
import path from "node:path";
import { findLineageByLiveDir } from "../certbot/find-lineage.js";
import { bringIntoService, type LineageService, type ServiceOutcome } from "../deploy/bring-into-service.js";
import { addPendingLineage, inMarkedRenewRun } from "../deploy/renew-run.js";
import { appendRunReport } from "../deploy/run-report.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";

export interface DeployInput {
  renewedLineage: string | undefined;
  renewedDomains: string[];
  now: () => Date;
  env: Record<string, string | undefined>;
  /** How long to wait for nginx to serve the new certificate after the reload. */
  servedTimeoutMs?: number;
}

export interface DeployResult {
  name: string;
  /** What happened to the renewed lineage. */
  lineage: LineageService;
  deferred: boolean;
  outcome: ServiceOutcome;
}

export async function runDeployHook(settings: Settings, exec: Exec, input: DeployInput): Promise<DeployResult> {
  if (!input.renewedLineage) throw new NgcertError("USAGE", "RENEWED_LINEAGE is not set: `ngcert hook deploy` is run by certbot after a renewal");
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "hook deploy", env: input.env });
  try {
    const repaired = lock.owned ? finishInterrupted(settings) : [];
    // Wherever the renewal conf puts the lineage's files, certbot hands over the directory they are in.
    const name = findLineageByLiveDir(settings.letsencryptDir, input.renewedLineage);
    if (name === undefined) {
      const renewal = path.join(settings.letsencryptDir, "renewal");
      throw new NgcertError("INVALID_INPUT", `RENEWED_LINEAGE ${input.renewedLineage} is the live directory of no renewal conf in ${renewal} (check --letsencrypt-dir)`);
    }
    const facts = { name };
    const deferred = inMarkedRenewRun(settings.letsencryptDir);
    const outcome = await bringIntoService(settings, exec, {
      by: "hook deploy",
      now: input.now(),
      configChanged: false,
      focus: [{ name: facts.name, renewedDomains: input.renewedDomains }],
      verifyOnly: deferred,
      servedTimeoutMs: input.servedTimeoutMs,
    });
    outcome.repaired.unshift(...repaired);
    const lineage = outcome.lineages.find((entry) => entry.name === facts.name) ?? { name: facts.name, version: undefined, status: "unused" as const, domains: [], notes: [] };
    if (deferred && lineage.status === "verified") addPendingLineage(settings.letsencryptDir, facts.name);
    appendRunReport(settings.letsencryptDir, input.env, { hook: "deploy", lineages: outcome.lineages.map(summarize), reload: outcome.reload });
    return { name: facts.name, lineage, deferred, outcome };
  } finally {
    lock.release();
  }
}

export function summarize(lineage: LineageService): Pick<LineageService, "name" | "version" | "status" | "reason" | "domains"> {
  return { name: lineage.name, version: lineage.version, status: lineage.status, reason: lineage.reason, domains: lineage.domains };
}
