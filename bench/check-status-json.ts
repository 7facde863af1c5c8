// Checks one `ngcert status --json` document against the generated lineages, so the bench fails when status skips work.
import { expectProblems } from "./expected-problems.js";
import type { GeneratedLineage } from "./generate-lineages.js";

export interface StatusCheck {
  errors: string[];
  /** How many lineages carry each problem code. */
  counts: Record<string, number>;
  listed: number;
}

interface StatusEntry {
  name?: unknown;
  domains?: unknown;
  notAfter?: unknown;
  keyType?: unknown;
  authenticator?: unknown;
  problems?: Array<{ code?: unknown }>;
}

const MAX_ERRORS = 10;

export function checkStatusJson(stdout: string, lineages: readonly GeneratedLineage[], now: Date): StatusCheck {
  const errors: string[] = [];
  const counts: Record<string, number> = {};
  let entries: StatusEntry[];
  try {
    const document = JSON.parse(stdout) as { certificates?: StatusEntry[] };
    if (!Array.isArray(document.certificates)) throw new Error("no certificates array");
    entries = document.certificates;
  } catch (error) {
    return { errors: [`stdout is not status JSON: ${error instanceof Error ? error.message : String(error)}`], counts, listed: 0 };
  }
  const byName = new Map(entries.map((entry) => [String(entry.name), entry]));
  if (entries.length !== lineages.length) errors.push(`listed ${entries.length} lineages, expected ${lineages.length}`);
  for (const lineage of lineages) {
    const entry = byName.get(lineage.name);
    if (!entry) {
      errors.push(`${lineage.name}: missing`);
      continue;
    }
    const codes = [...new Set((entry.problems ?? []).map((problem) => String(problem.code)))].sort();
    for (const code of codes) counts[code] = (counts[code] ?? 0) + 1;
    const expected = expectProblems(lineage, now);
    const mismatch = [
      JSON.stringify(entry.domains) !== JSON.stringify(lineage.domains) && `domains ${JSON.stringify(entry.domains)}`,
      entry.notAfter !== lineage.notAfter && `notAfter ${String(entry.notAfter)} (expected ${lineage.notAfter})`,
      entry.keyType !== lineage.keyType && `keyType ${String(entry.keyType)} (expected ${lineage.keyType})`,
      entry.authenticator !== lineage.authenticator && `authenticator ${String(entry.authenticator)}`,
      !expected.ambiguous && codes.join(",") !== [...expected.codes].sort().join(",") && `problems [${codes.join(",")}] (expected [${expected.codes.join(",")}])`,
    ].filter((text): text is string => typeof text === "string");
    if (mismatch.length > 0) errors.push(`${lineage.name}: ${mismatch.join("; ")}`);
  }
  return { errors: summarize(errors), counts, listed: entries.length };
}

function summarize(errors: string[]): string[] {
  return errors.length <= MAX_ERRORS ? errors : [...errors.slice(0, MAX_ERRORS), `... and ${errors.length - MAX_ERRORS} more`];
}
