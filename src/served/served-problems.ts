// verify's extra checks: for every domain of a lineage, does nginx present that lineage's certificate for the name?
import type { LineageFacts } from "../certbot/lineage.js";
import type { Problem } from "../certbot/problem.js";
import type { ServedCheck } from "./wait-until-served.js";

export function servedProblems(facts: LineageFacts, checks: readonly ServedCheck[], port: number, waiting?: { since: string; reason: string }): Problem[] {
  const problems: Problem[] = [];
  for (const check of checks) {
    if (check.matches) continue;
    if (!check.result.ok) {
      problems.push({ code: "NOT_SERVED", message: `${check.domain}: no TLS handshake on port ${port} (${check.result.error})` });
    } else if (waiting) {
      problems.push({
        code: "SERVED_MISMATCH",
        message: `${check.domain}: nginx still serves ${check.result.fingerprint.slice(0, 16)}…; the version on disk passed the deploy checks and is waiting for a reload since ${waiting.since} (${waiting.reason})`,
      });
    } else {
      problems.push({
        code: "SERVED_MISMATCH",
        message: `${check.domain}: nginx serves certificate ${check.result.fingerprint.slice(0, 16)}…, not ${facts.name}'s cert.pem (${facts.fingerprint?.slice(0, 16)}…); reload nginx or check its ssl_certificate`,
      });
    }
  }
  return problems;
}
