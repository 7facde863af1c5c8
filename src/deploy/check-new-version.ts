// Is a lineage version fit to be served? Everything status checks that makes it unusable, plus: it covers every
// domain certbot says it was issued for, it was not refused before, and it does not replace a certificate that
// lives longer with one about to expire. A not-before a few minutes ahead is clock skew between this host and the
// CA: tolerated, and said.
import type { LineageFacts } from "../certbot/lineage.js";
import { missingNames } from "../certs/canonical-name.js";
import { checkLineage } from "../checks/check-lineage.js";

/** Problems that make a version unfit to serve (expiring soon is not one: it is still better than the old one). */
const FATAL = new Set(["UNREADABLE", "KEY_MISMATCH", "CHAIN_INVALID", "EXPIRED", "NOT_YET_VALID"]);

/** How far ahead of this host's clock a new certificate's not-before may be. */
export const CLOCK_SKEW_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

export interface VersionContext {
  /** Names certbot says it issued the version for (RENEWED_DOMAINS). */
  renewedDomains?: readonly string[];
  /** The certificate this version replaces in service (what nginx serves now), when known. */
  replaces?: { notAfter: Date } | undefined;
  /** Versions of this lineage refused before (archive/<name>/rejected/), as lineage-versions.ts names them. */
  refused?: ReadonlySet<string>;
  /** This version's identity in the same form. */
  identity?: string | undefined;
}

export interface VersionCheck {
  /** Why the version must not be served; empty when it may. */
  refusals: string[];
  /** Worth saying, not worth refusing (clock skew). */
  notes: string[];
}

export function checkVersion(facts: LineageFacts, now: Date, context: VersionContext = {}): VersionCheck {
  const notes: string[] = [];
  const skewed = facts.notBefore !== undefined && Date.parse(facts.notBefore) > now.getTime() && Date.parse(facts.notBefore) - now.getTime() <= CLOCK_SKEW_MS;
  if (skewed) {
    const seconds = Math.round((Date.parse(facts.notBefore!) - now.getTime()) / 1000);
    notes.push(`not valid for another ${seconds} s (${facts.notBefore}): this host's clock is probably behind the CA's; check NTP`);
  }
  const refusals = checkLineage(facts, { now })
    .filter((problem) => FATAL.has(problem.code) && !(skewed && problem.code === "NOT_YET_VALID"))
    .map((problem) => `${problem.code}: ${problem.message}`);
  // Compared canonically: certbot writes IPv6 addresses compressed, certificates carry bytes, names may differ in case.
  const missing = missingNames(context.renewedDomains ?? [], facts.domains);
  if (facts.notAfter !== undefined && missing.length > 0) {
    refusals.push(`the certificate does not cover ${missing.join(", ")} (it names ${facts.domains.join(", ") || "no domain"})`);
  }
  if (context.identity !== undefined && context.refused?.has(context.identity)) {
    refusals.push("this exact certificate was refused before (see archive/<name>/rejected/)");
  }
  if (facts.notAfter !== undefined && context.replaces !== undefined) {
    const notAfter = Date.parse(facts.notAfter);
    const left = notAfter - now.getTime();
    if (notAfter < context.replaces.notAfter.getTime() && left < DAY_MS && left > 0) {
      refusals.push(`it expires ${facts.notAfter}, in less than a day and before the certificate it would replace (${context.replaces.notAfter.toISOString()})`);
    }
  }
  return { refusals, notes };
}

/** The refusals alone: what `add` asks of a lineage it reuses. */
export function checkNewVersion(facts: LineageFacts, renewedDomains: readonly string[], now: Date): string[] {
  return checkVersion(facts, now, { renewedDomains }).refusals;
}
