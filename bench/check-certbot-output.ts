// Checks `certbot certificates` output: every generated lineage listed and none skipped as invalid, so certbot really ran
// its key, signature and fullchain checks on all of them.
import { expectProblems } from "./expected-problems.js";
import type { GeneratedLineage } from "./generate-lineages.js";

export interface CertbotCheck {
  errors: string[];
  listed: number;
  expired: number;
  /** stderr lines other than the usual "Saving debug log" notice. */
  warnings: string[];
}

export function checkCertbotOutput(stdout: string, stderr: string, lineages: readonly GeneratedLineage[], now: Date): CertbotCheck {
  const errors: string[] = [];
  const listed = countMatches(stdout, /^\s*Certificate Name: /gm);
  const expired = countMatches(stdout, /\(INVALID: EXPIRED\)/g);
  const rsa = countMatches(stdout, /^\s*Key Type: RSA$/gm);
  if (listed !== lineages.length) errors.push(`certbot listed ${listed} lineages, expected ${lineages.length}`);
  if (/renewal configurations were invalid/.test(stdout)) errors.push("certbot skipped some renewal confs as invalid (see its log)");
  const verdicts = lineages.map((lineage) => expectProblems(lineage, now));
  const sure = verdicts.filter((verdict) => !verdict.ambiguous && verdict.codes.includes("EXPIRED")).length;
  const maybe = verdicts.filter((verdict) => verdict.ambiguous).length;
  if (expired < sure || expired > sure + maybe) errors.push(`certbot reported ${expired} expired, expected ${sure}`);
  const expectedRsa = lineages.filter((lineage) => lineage.keyType.startsWith("rsa")).length;
  if (rsa !== expectedRsa) errors.push(`certbot reported ${rsa} RSA keys, expected ${expectedRsa}`);
  const warnings = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("Saving debug log to"));
  return { errors, listed, expired, warnings };
}

function countMatches(text: string, pattern: RegExp): number {
  return text.match(pattern)?.length ?? 0;
}
