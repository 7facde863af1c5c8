// `ngcert hook deploy`: a renewed lineage reaches nginx only if it is good, and nginx is proven to serve it. On any
// failure live/ points at the previous version again, the refused version leaves archive/, nginx keeps the old one.
import { readlinkSync, existsSync } from "node:fs";
import path from "node:path";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { findCertificateUsers } from "../nginx/certificate-users.js";
import { readRunningNginxPid, reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { readNginxDump } from "../nginx/read-nginx-dump.js";
import { namesToProbe, servedTarget } from "../served/served-target.js";
import { waitUntilServed, type ServedCheck } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";
import { checkNewVersion } from "./check-new-version.js";
import { linkedVersion, previousCompleteVersion, rejectVersion, relinkLineage } from "./lineage-versions.js";

export interface DeployInput {
  renewedLineage: string | undefined;
  renewedDomains: string[];
  now: () => Date;
  env: Record<string, string | undefined>;
  /** How long to wait for nginx to serve the new certificate after the reload. */
  servedTimeoutMs?: number;
}

export type DeployOutcome =
  | { status: "deployed"; name: string; version: number | undefined; served: ServedCheck[] }
  | { status: "verified-on-disk"; name: string; version: number | undefined; why: string };

export async function runDeploy(settings: Settings, exec: Exec, input: DeployInput): Promise<DeployOutcome> {
  const liveRoot = path.join(settings.letsencryptDir, "live");
  if (!input.renewedLineage) throw new NgcertError("USAGE", "RENEWED_LINEAGE is not set: `ngcert hook deploy` is run by certbot after a renewal");
  const liveDir = path.resolve(input.renewedLineage);
  if (path.dirname(liveDir) !== liveRoot) {
    throw new NgcertError("INVALID_INPUT", `RENEWED_LINEAGE ${input.renewedLineage} is not a lineage in ${liveRoot} (check --letsencrypt-dir)`);
  }
  const name = path.basename(liveDir);
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "hook deploy", env: input.env });
  try {
    const facts = readLineageFacts(settings.letsencryptDir, name, existsSync(renewalConfPath(settings.letsencryptDir, name)));
    const version = linkedVersion(liveDir);
    const archiveDir = archiveDirOf(liveDir);
    const refuse = (reason: string): NgcertError => {
      const rolledBack = rollBack(liveDir, archiveDir, version, reason, input.now());
      return new NgcertError("PROBLEMS", `${name}: refused version ${version ?? "?"}: ${reason}; ${rolledBack}`);
    };

    const reasons = checkNewVersion(facts, input.renewedDomains, input.now());
    if (reasons.length > 0) throw refuse(reasons.join("; "));

    const nginx = await readNginxDump(settings, exec);
    const users = findCertificateUsers(nginx.files, liveDir);
    if (users.length === 0) return { status: "verified-on-disk", name, version, why: "no nginx site uses it yet" };
    if (nginx.pidFile === undefined || readRunningNginxPid(nginx.pidFile) === undefined) {
      throw new NgcertError("PROBLEMS", `${name}: version ${version ?? "?"} is valid, but nginx is not running, so it is not served; start nginx`);
    }
    try {
      await testNginxConfig(settings, exec);
      await reloadNginx(settings, exec);
    } catch (error) {
      throw refuse(error instanceof Error ? `${error.message}${error instanceof NgcertError && error.details ? ` (${firstLine(error.details)})` : ""}` : String(error));
    }
    const domains = namesToProbe(facts.domains, users.flatMap((user) => user.serverNames));
    const served = await waitUntilServed(servedTarget(settings), domains, facts.fingerprint!, { timeoutMs: input.servedTimeoutMs ?? 15_000 });
    const wrong = served.filter((check) => !check.matches);
    if (wrong.length > 0) {
      const what = wrong.map((check) => `${check.domain}: ${check.result.ok ? `served ${check.result.fingerprint.slice(0, 16)}…` : check.result.error}`).join(", ");
      const error = refuse(`nginx does not serve it after the reload (${what})`);
      // Put nginx back on the previous certificate too: it may have loaded the refused files.
      await testNginxConfig(settings, exec).then(() => reloadNginx(settings, exec)).catch(() => undefined);
      throw error;
    }
    return { status: "deployed", name, version, served };
  } finally {
    lock.release();
  }
}

function archiveDirOf(liveDir: string): string {
  try {
    return path.dirname(path.resolve(liveDir, readlinkSync(path.join(liveDir, "cert.pem"))));
  } catch {
    return path.join(path.dirname(path.dirname(liveDir)), "archive", path.basename(liveDir));
  }
}

function rollBack(liveDir: string, archiveDir: string, version: number | undefined, reason: string, now: Date): string {
  if (version === undefined) return "live/ is not linked to an archive version, nothing rolled back";
  const previous = previousCompleteVersion(archiveDir, version);
  if (previous === undefined) return "there is no previous version to go back to";
  relinkLineage(liveDir, archiveDir, previous);
  const rejected = rejectVersion(archiveDir, version, reason, now);
  return `live/ points at version ${previous} again; the refused files are in ${rejected}`;
}

function firstLine(text: string): string {
  return text.split("\n").find((line) => line.trim() !== "")?.trim() ?? "";
}
