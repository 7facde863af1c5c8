// Is a freshly issued lineage version fit to be served? Everything status checks, plus: it covers every domain
// certbot says it was issued for.
import type { LineageFacts } from "../certbot/lineage.js";
import { missingNames } from "../certs/canonical-name.js";
import { checkLineage } from "../checks/check-lineage.js";

/** Problems that make a version unfit to serve (expiring soon is not one: it is still better than the old one). */
const FATAL = new Set(["UNREADABLE", "KEY_MISMATCH", "CHAIN_INVALID", "EXPIRED", "NOT_YET_VALID"]);

export function checkNewVersion(facts: LineageFacts, renewedDomains: readonly string[], now: Date): string[] {
  const reasons = checkLineage(facts, { now })
    .filter((problem) => FATAL.has(problem.code))
    .map((problem) => `${problem.code}: ${problem.message}`);
  // Compared canonically: certbot writes IPv6 addresses compressed, certificates carry bytes, names may differ in case.
  const missing = missingNames(renewedDomains, facts.domains);
  if (facts.notAfter !== undefined && missing.length > 0) {
    reasons.push(`the certificate does not cover ${missing.join(", ")} (it names ${facts.domains.join(", ") || "no domain"})`);
  }
  return reasons;
}
