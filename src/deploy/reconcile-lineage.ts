// One implementation, shared by the deploy hook and the watcher, of "make nginx serve what is on disk, if it is
// good": check the lineage's current version, find the nginx sites using it, and when nginx serves something else,
// nginx -t, reload and poll until the new certificate is served.
import { existsSync } from "node:fs";
import path from "node:path";
import type { LineageFacts } from "../certbot/lineage.js";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { findCertificateUsers } from "../nginx/certificate-users.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump, type NginxDump } from "../nginx/read-nginx-dump.js";
import { namesToProbe, servedTarget } from "../served/served-target.js";
import { checkServed, waitUntilServed, type ServedCheck } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";
import { checkNewVersion } from "./check-new-version.js";
import { linkedVersion, rollBackLineage } from "./lineage-versions.js";

export interface ReconcileOptions {
  now: Date;
  /** Names certbot says it issued for (deploy hook); the certificate must cover them. */
  renewedDomains?: readonly string[];
  /** Deploy hook: put live/ back on the previous version when this one is refused. Watcher: only report. */
  rollBack: boolean;
  servedTimeoutMs?: number;
  /** Verify only and leave the reload to the post hook of the same certbot run (see hooks/renew-run.ts). */
  deferReload?: boolean;
  /** `nginx -T` already read (the watcher's full check reads it once for every lineage); read here when absent. */
  nginx?: NginxDump;
  /** The lineage as just read (the watcher's full check has every lineage's facts already); read here when absent. */
  facts?: LineageFacts;
}

export type ReconcileOutcome =
  | { status: "unused"; facts: LineageFacts; version: number | undefined }
  | { status: "already-served"; facts: LineageFacts; version: number | undefined; served: ServedCheck[] }
  | { status: "reloaded"; facts: LineageFacts; version: number | undefined; served: ServedCheck[] }
  | { status: "refused"; facts: LineageFacts; version: number | undefined; reason: string; rolledBack: string | undefined }
  | { status: "nginx-down"; facts: LineageFacts; version: number | undefined }
  | { status: "deferred"; facts: LineageFacts; version: number | undefined };

export function lineageLiveDir(settings: Settings, name: string): string {
  return path.join(settings.letsencryptDir, "live", name);
}

export async function reconcileLineage(settings: Settings, exec: Exec, name: string, options: ReconcileOptions): Promise<ReconcileOutcome> {
  const facts = options.facts ?? readLineageFacts(settings.letsencryptDir, name, existsSync(renewalConfPath(settings.letsencryptDir, name)));
  const liveDir = path.dirname(facts.paths.cert);
  const version = linkedVersion(liveDir);
  const refuse = (reason: string): ReconcileOutcome => ({
    status: "refused",
    facts,
    version,
    reason,
    rolledBack: options.rollBack ? rollBackLineage(liveDir, reason, options.now) : undefined,
  });

  const reasons = checkNewVersion(facts, options.renewedDomains ?? [], options.now);
  if (reasons.length > 0) return refuse(reasons.join("; "));

  let nginx: NginxDump;
  try {
    nginx = options.nginx ?? (await readNginxDump(settings, exec));
  } catch (error) {
    // nginx -T fails exactly when nginx -t does: a broken configuration refuses this version, and live/ goes back.
    return refuse(describeFailure(error));
  }
  const users = findCertificateUsers(nginx.files, liveDir);
  if (users.length === 0) return { status: "unused", facts, version };
  if (!isNginxRunning(nginx)) return { status: "nginx-down", facts, version };

  const target = servedTarget(settings);
  const domains = namesToProbe(facts.domains, users.flatMap((user) => user.serverNames));
  const current = await checkServed(target, domains, facts.fingerprint!);
  if (current.every((check) => check.matches)) return { status: "already-served", facts, version, served: current };
  if (options.deferReload) return { status: "deferred", facts, version };

  try {
    await testNginxConfig(settings, exec);
    await reloadNginx(settings, exec);
  } catch (error) {
    return refuse(describeFailure(error));
  }
  const served = await waitUntilServed(target, domains, facts.fingerprint!, { timeoutMs: options.servedTimeoutMs ?? 15_000 });
  const wrong = served.filter((check) => !check.matches);
  if (wrong.length === 0) return { status: "reloaded", facts, version, served };
  const what = wrong.map((check) => `${check.domain}: ${check.result.ok ? `served ${check.result.fingerprint.slice(0, 16)}…` : check.result.error}`).join(", ");
  const outcome = refuse(`nginx does not serve it after the reload (${what})`);
  // Put nginx back on what live/ points at now; the refused files may have been loaded.
  if (options.rollBack) await testNginxConfig(settings, exec).then(() => reloadNginx(settings, exec)).catch(() => undefined);
  return outcome;
}

function describeFailure(error: unknown): string {
  const details = error instanceof NgcertError && error.details ? ` (${firstLine(error.details)})` : "";
  return `${error instanceof Error ? error.message : String(error)}${details}`;
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
}
