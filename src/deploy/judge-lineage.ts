// Decides, for one lineage, whether a reload would change what nginx serves for it and whether the version on disk may
// be served: the deploy checks, applied the same way on every path that reloads nginx. nginx is asked where each
// block using the lineage takes TLS connections (its own listen address and port), for the names it serves.
import path from "node:path";
import type { LineageFacts } from "../certbot/lineage.js";
import { readCertificateInfo } from "../certs/certificate-info.js";
import type { CertificateUser } from "../nginx/certificate-users.js";
import type { ServedResult } from "../served/fetch-served-certificate.js";
import { namesToProbe } from "../served/served-target.js";
import { probeKey, type ServedProbe, type ServedTarget } from "../served/probe-served.js";
import { checkVersion, type VersionCheck } from "./check-new-version.js";
import { archiveDirOf, linkedVersion, refusedVersions, versionIdentity } from "./lineage-versions.js";

export interface LineageJudgement {
  facts: LineageFacts;
  liveDir: string;
  version: number | undefined;
  users: CertificateUser[];
  /** The names nginx is asked for (the server names of the blocks using it that the certificate covers). */
  names: string[];
  /** Every question to nginx: each name at each place a block using the lineage takes TLS connections. */
  probes: ServedProbe[];
  /** Would a reload serve something other than what nginx serves now for one of the probes? */
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

/** A listen address as a place to connect to: every IPv4 address is reached on loopback, every IPv6 one on ::1. */
function connectAddress(address: string, fallback: ServedTarget): string {
  if (address === "*") return fallback.host.includes(":") ? "127.0.0.1" : fallback.host;
  if (address === "[::]") return "::1";
  return address.replace(/^\[(.*)\]$/, "$1");
}

export function probesFor(facts: LineageFacts, users: readonly CertificateUser[], fallback: ServedTarget): ServedProbe[] {
  const probes = new Map<string, ServedProbe>();
  for (const user of users) {
    const names = namesToProbe(facts.domains, user.serverNames.length > 0 ? user.serverNames : users.flatMap((other) => other.serverNames));
    // A block whose listens are unknown (unparsed) or that has none with ssl is asked where ngcert's sites listen.
    const places = user.sslListens.length > 0 ? user.sslListens.map((listen) => ({ host: connectAddress(listen.address, fallback), port: listen.port })) : [fallback];
    for (const name of names) for (const place of places) probes.set(probeKey({ name, ...place }), { name, ...place });
  }
  return [...probes.values()];
}

/** `served`: what nginx presents now for each probe (absent when nginx is not asked: not running, or unused). */
export function judgeLineage(
  facts: LineageFacts,
  users: CertificateUser[],
  served: ReadonlyMap<string, ServedResult> | undefined,
  now: Date,
  renewedDomains: readonly string[],
  fallback: ServedTarget,
): LineageJudgement {
  const liveDir = liveDirOf(facts);
  const probes = probesFor(facts, users, fallback);
  const answers = probes.map((probe) => served?.get(probeKey(probe))).filter((answer): answer is ServedResult => answer !== undefined);
  const changing = users.length > 0 && (facts.fingerprint === undefined || answers.length < probes.length || answers.some((answer) => !answer.ok || answer.fingerprint !== facts.fingerprint));
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
  return { facts, liveDir, version: linkedVersion(liveDir), users, names: [...new Set(probes.map((probe) => probe.name))], probes, changing, check };
}
