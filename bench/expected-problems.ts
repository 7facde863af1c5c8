// The problems SPEC.md says status must report for a generated lineage at a given time: the bench's own oracle, so a
// status that reports nothing (or everything) cannot pass.
import type { GeneratedLineage } from "./generate-lineages.js";

/** Runs take seconds; a lineage this close to a threshold may honestly be reported either way. */
const MARGIN_MS = 10 * 60_000;

export interface ExpectedProblems {
  codes: string[];
  /** Too close to the EXPIRED or EXPIRING threshold to insist on either answer. */
  ambiguous: boolean;
}

export function expectProblems(lineage: GeneratedLineage, now: Date): ExpectedProblems {
  const notBefore = Date.parse(lineage.notBefore);
  const notAfter = Date.parse(lineage.notAfter);
  const warnAt = notAfter - (notAfter - notBefore) / 6;
  const time = now.getTime();
  const codes: string[] = [];
  if (time > notAfter) codes.push("EXPIRED");
  else if (time > warnAt) codes.push("EXPIRING");
  if (lineage.authenticator === "standalone") codes.push("STANDALONE");
  const ambiguous = Math.abs(time - notAfter) < MARGIN_MS || Math.abs(time - warnAt) < MARGIN_MS;
  return { codes, ambiguous };
}
