// Says what the bench checked on every run, so a reader can see the timings come from runs that did the real work.
import type { CertbotCheck } from "./check-certbot-output.js";
import type { StatusCheck } from "./check-status-json.js";
import type { GeneratedLineage } from "./generate-lineages.js";

export interface CheckTally {
  statusRuns: number;
  certbotRuns: number;
  /** Warm runs that found ngcert's cache dir empty: they were not warm at all. */
  warmWithEmptyCache: number;
  certbotWarnings: Set<string>;
  lastStatus: StatusCheck | undefined;
  lastCertbot: CertbotCheck | undefined;
}

export function describeChecks(tally: CheckTally, lineages: readonly GeneratedLineage[], count: number): string {
  const problems = Object.entries(tally.lastStatus?.counts ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
  const keyTypes = countBy(lineages.map((lineage) => lineage.keyType));
  const standalone = lineages.filter((lineage) => lineage.authenticator === "standalone").length;
  const lines = [
    `Checked on every run: ngcert status listed ${tally.lastStatus?.listed ?? 0}/${count} lineages with the generated domains, notAfter, key type,`,
    `  authenticator and exactly the expected problem codes (${tally.statusRuns} runs); certbot listed ${tally.lastCertbot?.listed ?? 0}/${count}, none skipped as invalid (${tally.certbotRuns} runs).`,
    `Generated: ${Object.entries(keyTypes).map(([type, n]) => `${n} ${type}`).join(", ")}; ${standalone} standalone; one shared ECDSA P-384 intermediate.`,
    `Problems in ngcert's last run: ${problems || "none"}. certbot's last run: ${tally.lastCertbot?.expired ?? 0} "INVALID: EXPIRED".`,
    `certbot stderr warnings: ${tally.certbotWarnings.size === 0 ? "none" : [...tally.certbotWarnings].join(" | ")}`,
  ];
  if (tally.warmWithEmptyCache > 0) lines.push(`WARNING: ${tally.warmWithEmptyCache} "warm" runs found the cache dir empty: warm figures are really cold ones.`);
  return `${lines.join("\n")}\n`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
