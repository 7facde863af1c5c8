// Decides, for one lineage, whether a reload would change what nginx serves for it and whether the version on disk may
// be served: the deploy checks, applied the same way on every path that reloads nginx.
import path from "node:path";
import type { LineageFacts } from "../certbot/lineage.js";
import { readCertificateInfo } from "../certs/certificate-info.js";
import type { CertificateUser } from "../nginx/certificate-users.js";
import { namesToProbe } from "../served/served-target.js";
import type { ServedResult } from "../served/fetch-served-certificate.js";
import { checkVersion, type VersionCheck } from "./check-new-version.js";
import { archiveDirOf, linkedVersion, refusedVersions, versionIdentity } from "./lineage-versions.js";

export interface LineageJudgement {
  facts: LineageFacts;
  liveDir: string;
  version: number | undefined;
  users: CertificateUser[];
  /** The names nginx is asked for (the server names of the blocks using it that the certificate covers). */
  names: string[];
  /** Would a reload serve something other than what nginx serves now for one of the names? */
  changing: boolean;
  check: VersionCheck;
}

export function liveDirOf(facts: LineageFacts): string {
  return path.dirname(facts.paths.cert);
}

/** The names nginx is asked for a lineage: the server names of the blocks using it that it covers. */
export function namesFor(facts: LineageFacts, users: readonly CertificateUser[]): string[] {
  return users.length === 0 ? [] : namesToProbe(facts.domains, users.flatMap((user) => user.serverNames));
}

/** `served`: what nginx presents now for each name (absent when nginx is not asked: not running, or unused). */
export function judgeLineage(
  facts: LineageFacts,
  users: CertificateUser[],
  served: ReadonlyMap<string, ServedResult> | undefined,
  now: Date,
  renewedDomains: readonly string[] = [],
): LineageJudgement {
  const liveDir = liveDirOf(facts);
  const names = namesFor(facts, users);
  const answers = names.map((name) => served?.get(name)).filter((answer): answer is ServedResult => answer !== undefined);
  const changing = users.length > 0 && (facts.fingerprint === undefined || answers.length < names.length || answers.some((answer) => !answer.ok || answer.fingerprint !== facts.fingerprint));
  // The certificate it replaces: what nginx serves now for its names, when that is another one.
  let replaces: { notAfter: Date } | undefined;
  for (const answer of answers) {
    if (!answer.ok || answer.fingerprint === facts.fingerprint) continue;
    try {
      replaces = { notAfter: readCertificateInfo(answer.der).notAfter };
      break;
    } catch {
      // Not parsable: nothing to compare with.
    }
  }
  const refused = refusedVersions(archiveDirOf(liveDir));
  const identity = refused.size === 0 ? undefined : versionIdentity(facts.paths.cert, facts.paths.privkey);
  const check = checkVersion(facts, now, { renewedDomains, replaces, refused, identity });
  return { facts, liveDir, version: linkedVersion(liveDir), users, names, changing, check };
}
