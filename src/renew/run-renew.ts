// `ngcert renew`: certbot renew with the settings' directories and ngcert's hooks, then the door once more (which
// finds nothing to do when the hooks did their job, and does it when they did not run), and a summary built from the
// lineages before and after, read under the lock, and from what the hooks reported: renewed and served, renewed but
// not served and why, refused and why, failed at the CA, not due.
import { existsSync } from "node:fs";
import { commonCertbotArgs } from "../certbot/certbot-args.js";
import { hookShimPath } from "../certbot/hook-paths.js";
import { parseRenewFailures } from "../certbot/renew-output.js";
import { bringIntoService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import { createRunReport, readRunReport, removeRunReport, RUN_REPORT_ENV, type HookReport } from "../deploy/run-report.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { NgcertError, escapeControl } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { LETS_ENCRYPT_PRODUCTION } from "../settings/definitions.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";

export const DRY_RUN_ENV = "NGCERT_DRY_RUN";
/** A renewal of many lineages, each an order at the CA: long, but never forever. */
export const CERTBOT_RENEW_TIMEOUT_MS = 3 * 3600_000;

export interface RenewRequest {
  force: boolean;
  certName: string | undefined;
  dryRun: boolean;
  env: Record<string, string | undefined>;
  showProgress: boolean;
  now: () => Date;
}

export type RenewedStatus = "renewed-served" | "renewed-unused" | "renewed-not-served" | "refused" | "failed" | "not-due";

export interface LineageRenewal {
  name: string;
  status: RenewedStatus;
  /** Why it is not served, why it was refused. */
  reason?: string;
}

export interface RenewSummary {
  lineages: LineageRenewal[];
  /** What an interrupted earlier run left, finished or cleared first. */
  repaired: string[];
  reload: ReloadOutcome | undefined;
  hooksInstalled: boolean;
  certbotExitCode: number;
  certbotOutput: string;
}

export async function runRenew(settings: Settings, exec: Exec, request: RenewRequest): Promise<RenewSummary> {
  const names = request.certName ? [request.certName] : [];
  const hooksInstalled = existsSync(hookShimPath(settings.letsencryptDir, "deploy"));
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "renew", env: request.env });
  try {
    const repaired = finishInterrupted(settings);
    const before = await collectFacts({ letsencryptDir: settings.letsencryptDir, names });
    const report = createRunReport(settings.letsencryptDir);
    const args = [
      "renew",
      ...commonCertbotArgs(settings),
      // The scheduled renewal is certbot's own timer, which spreads its start itself; whoever runs this wants it now.
      "--no-random-sleep-on-renew",
      ...(request.force ? ["--force-renewal"] : []),
      ...(request.certName ? ["--cert-name", request.certName] : []),
      ...(request.dryRun ? ["--dry-run"] : []),
      // certbot rehearses a dry run against Let's Encrypt staging whatever CA the renewal conf names, unless --server
      // is given: a CA chosen in ngcert's settings (a private ACME CA, a test Pebble) is the one to rehearse against.
      ...(request.dryRun && settings.server !== LETS_ENCRYPT_PRODUCTION ? ["--server", settings.server] : []),
    ];
    const env = { ...request.env, ...lock.env, [RUN_REPORT_ENV]: report, ...(request.dryRun ? { [DRY_RUN_ENV]: "1" } : {}) };
    let result;
    let hookReports: HookReport[] = [];
    try {
      result = await exec(settings.certbotBin, args, { allowFailure: true, inheritStderr: request.showProgress, env, timeoutMs: CERTBOT_RENEW_TIMEOUT_MS });
    } finally {
      hookReports = readRunReport(report);
      removeRunReport(report);
    }
    const output = `${result.stdout}\n${result.stderr}`;
    const failedPaths = new Set(parseRenewFailures(output));
    const failed = new Set(before.filter((facts) => failedPaths.has(facts.paths.fullchain)).map((facts) => facts.name));
    if (result.exitCode !== 0 && failed.size === 0 && !request.dryRun) {
      throw new NgcertError("EXEC_FAILED", `certbot renew failed (exit code ${result.exitCode})`, { details: escapeControl(result.stderr || result.stdout) });
    }
    if (request.dryRun) {
      const lineages = before.map((facts): LineageRenewal => ({ name: facts.name, status: failed.has(facts.name) ? "failed" : "not-due" }));
      return { lineages, repaired, reload: undefined, hooksInstalled, certbotExitCode: result.exitCode, certbotOutput: output };
    }
    // Whatever the hooks did or could not do (not installed, nginx down then), the door settles it now.
    const service = await bringIntoService(settings, exec, { by: "renew", now: request.now(), configChanged: false });
    const after = await collectFacts({ letsencryptDir: settings.letsencryptDir, names });
    const previous = new Map(before.map((facts) => [facts.name, facts.fingerprint]));
    const refused = new Map<string, string>();
    for (const hook of hookReports) for (const lineage of hook.lineages) if (lineage.status === "refused") refused.set(lineage.name, lineage.reason ?? "refused");
    for (const lineage of service.lineages) if (lineage.status === "refused") refused.set(lineage.name, lineage.reason ?? "refused");
    const lineages = after.map((facts): LineageRenewal => {
      if (failed.has(facts.name)) return { name: facts.name, status: "failed" };
      if (refused.has(facts.name)) return { name: facts.name, status: "refused", reason: refused.get(facts.name) };
      if (facts.fingerprint === undefined || previous.get(facts.name) === facts.fingerprint) return { name: facts.name, status: "not-due" };
      const served = service.lineages.find((lineage) => lineage.name === facts.name);
      if (served === undefined || served.status === "unused") return { name: facts.name, status: "renewed-unused" };
      if (served.status === "served" || served.status === "already-served") return { name: facts.name, status: "renewed-served" };
      return { name: facts.name, status: "renewed-not-served", reason: served.reason ?? served.status };
    });
    return { lineages, repaired: [...repaired, ...service.repaired], reload: service.reload, hooksInstalled, certbotExitCode: result.exitCode, certbotOutput: output };
  } finally {
    lock.release();
  }
}
