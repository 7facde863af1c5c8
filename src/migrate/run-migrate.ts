// `ngcert migrate [NAME...] [--dry-run]`: moves lineages to webroot renewals on the shared directory. Every domain's
// challenge must pass doctor's probe first, or nothing changes; then each renewal conf is rewritten (atomically,
// the previous text kept) and proven by `certbot renew --dry-run`, or put back byte for byte.
import { statSync } from "node:fs";
import { readRegularFile } from "../fs/read-regular-file.js";
import path from "node:path";
import { challengeSettingsOf, checkChallengePaths } from "../checks/challenge-paths.js";
import type { Finding } from "../checks/finding.js";
import { readLineageRecords } from "../checks/read-lineages.js";
import { parseRenewalConf } from "../certbot/renewal-conf.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { readNginxState } from "../nginx/read-nginx-state.js";
import type { Lookup } from "../served/local-address.js";
import type { Settings } from "../settings/settings.js";
import { unifiedDiff } from "../text/unified-diff.js";
import { planMigration, type MigrationPlan } from "./plan-migration.js";
import { proveRenewal } from "../certbot/prove-renewal.js";

export interface MigrateOptions {
  names: readonly string[];
  dryRun: boolean;
  env: Record<string, string | undefined>;
  lookup?: Lookup;
  /** See Context.workerScript. */
  workerScript?: string | undefined;
  /** Told why the facts cache was not used. */
  warn?: (message: string) => void;
  /** Called as each lineage is about to be rewritten. */
  onStart?: (name: string, diff: string) => void;
}

export type LineageResult =
  | { name: string; status: "migrated" | "would-migrate"; from: string; removedKeys: string[]; diff: string }
  | { name: string; status: "unchanged" | "skipped"; reason: string }
  | { name: string; status: "blocked"; reason: string; findings: Finding[] }
  | { name: string; status: "failed"; reason: string; diff: string };

export interface MigrateReport {
  results: LineageResult[];
  /** Challenge findings that stopped the migration (nothing was changed). */
  findings: Finding[];
}

function describePlan(plan: MigrationPlan): LineageResult | undefined {
  switch (plan.kind) {
    case "unchanged":
      return { name: plan.name, status: "unchanged", reason: plan.reason };
    case "skip":
      return { name: plan.name, status: "skipped", reason: plan.reason };
    case "refuse":
      return { name: plan.name, status: "blocked", reason: plan.reason, findings: [] };
    case "migrate":
      return undefined;
  }
}

export async function runMigrate(settings: Settings, exec: Exec, options: MigrateOptions): Promise<MigrateReport> {
  const records = await readLineageRecords({ letsencryptDir: settings.letsencryptDir, names: options.names, cacheDir: settings.cacheDir, workerScript: options.workerScript, ...(options.warn ? { warn: options.warn } : {}) });
  const plans = records.map((record) => planMigration(record, path.resolve(settings.webroot)));
  const results: LineageResult[] = plans.flatMap((plan) => describePlan(plan) ?? []);
  const moves = plans.filter((plan): plan is Extract<MigrationPlan, { kind: "migrate" }> => plan.kind === "migrate");
  if (moves.length === 0) return { results, findings: [] };

  const nginx = await readNginxState(settings, exec);
  if (!nginx.running) throw new NgcertError("PROBLEMS", "nginx is not running, so the challenge path cannot be proven; start nginx and run ngcert migrate again. Nothing was changed.");
  const checks = await checkChallengePaths(
    nginx,
    challengeSettingsOf(settings),
    moves.flatMap((plan) => plan.record.domains.map((domain) => ({ lineage: plan.name, domain, webroot: path.resolve(settings.webroot), purpose: `the shared webroot ${settings.webroot}` }))),
    options.lookup,
  );
  const findings = checks.flatMap((check) => (check.judged ? [check.judged.finding] : []));
  const blocked = moves.filter((plan) => checks.some((check) => check.subject.lineage === plan.name && !check.ok));
  if (blocked.length > 0 || results.some((result) => result.status === "blocked")) {
    for (const plan of moves) {
      const failing = findings.filter((item) => item.lineage === plan.name);
      results.push(
        failing.length > 0
          ? { name: plan.name, status: "blocked", reason: `the challenge fails for ${failing.map((item) => item.domain).join(", ")}`, findings: failing }
          : { name: plan.name, status: "blocked", reason: "not changed: another lineage is blocked, and migrate changes all or nothing", findings: [] },
      );
    }
    return { results, findings };
  }

  for (const plan of moves) {
    const diff = unifiedDiff(plan.before, plan.after, plan.confPath, plan.confPath);
    if (options.dryRun) results.push({ name: plan.name, status: "would-migrate", from: plan.from, removedKeys: plan.removedKeys, diff });
  }
  if (options.dryRun) return { results, findings };

  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "migrate", env: options.env });
  try {
    for (const plan of moves) results.push(await migrateOne(settings, exec, plan, { ...options, env: { ...options.env, ...lock.env } }));
  } finally {
    lock.release();
  }
  return { results, findings };
}

async function migrateOne(settings: Settings, exec: Exec, plan: Extract<MigrationPlan, { kind: "migrate" }>, options: MigrateOptions): Promise<LineageResult> {
  const diff = unifiedDiff(plan.before, plan.after, plan.confPath, plan.confPath);
  // The restore is byte for byte only if the text read is the file's bytes (valid UTF-8), and unchanged since.
  const bytes = readRegularFile(plan.confPath);
  if (!bytes.equals(Buffer.from(plan.before, "utf8"))) return { name: plan.name, status: "failed", reason: `${plan.confPath} changed while migrate ran, or is not UTF-8; nothing was changed`, diff };
  options.onStart?.(plan.name, diff);
  const transaction = new FileTransaction();
  try {
    transaction.write(plan.confPath, plan.after, statSync(plan.confPath).mode & 0o7777);
    const proof = await proveRenewal(settings, exec, plan.name, parseRenewalConf(plan.after), options.env);
    if (!proof.ok) {
      transaction.rollback();
      return { name: plan.name, status: "failed", reason: `\`${proof.command.join(" ")}\` failed; the renewal conf is back as it was, byte for byte:\n${proof.reason}`, diff };
    }
    return { name: plan.name, status: "migrated", from: plan.from, removedKeys: plan.removedKeys, diff };
  } catch (error) {
    transaction.rollback();
    return { name: plan.name, status: "failed", reason: `${error instanceof Error ? error.message : String(error)}; the renewal conf is back as it was`, diff };
  }
}
