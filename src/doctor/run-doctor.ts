// `ngcert doctor [--fix]`: examine the server; with --fix, apply the fixes doctor fully understands one at a time
// (examining again after each, since a fix moves lines and may settle other findings), then report what is left.
import type { Finding } from "../checks/finding.js";
import type { Exec } from "../exec.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Lookup } from "../served/local-address.js";
import type { Settings } from "../settings/settings.js";
import { applyFix, type FixOutcome } from "./apply-fixes.js";
import { examine } from "./examine.js";
import type { PlannedFix } from "./plan-repairs.js";

export interface DoctorOptions {
  names: readonly string[];
  fix: boolean;
  systemRoot: string;
  env: Record<string, string | undefined>;
  now: () => Date;
  lookup?: Lookup;
  /** See Context.workerScript. */
  workerScript?: string | undefined;
  /** Told why the facts cache was not used. */
  warn?: (message: string) => void;
  /** Each fix as it is about to be applied (its diff), and how it went. */
  onFix?: (fix: PlannedFix, outcome: FixOutcome | undefined) => void;
}

export interface DoctorReport {
  findings: Finding[];
  fixes: FixOutcome[];
}

// Each fix settles at least one block or conf; a server with more than this many is fixed over several runs.
const MAX_FIXES = 50;

/** What identifies a fix across examinations (line numbers move as files change). */
function fixKey(fix: PlannedFix): string {
  return `${fix.id.replace(/:\d+$/, "")} ${fix.prove.map((item) => item.domain).sort().join(",")}`;
}

export async function runDoctor(settings: Settings, exec: Exec, options: DoctorOptions): Promise<DoctorReport> {
  // `--fix` examines the server again after each fix: a warning about the cache is said once, not once a round.
  const said = new Set<string>();
  const warn = options.warn;
  const warnOnce = warn
    ? (message: string): void => {
        if (said.has(message)) return;
        said.add(message);
        warn(message);
      }
    : undefined;
  const input = { settings, exec, names: options.names, systemRoot: options.systemRoot, pathVariable: options.env.PATH, workerScript: options.workerScript, ...(options.lookup ? { lookup: options.lookup } : {}), ...(warnOnce ? { warn: warnOnce } : {}) };
  if (!options.fix) return { findings: (await examine(input)).findings, fixes: [] };
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "doctor --fix", env: options.env });
  const outcomes: FixOutcome[] = [];
  const attempted = new Set<string>();
  try {
    for (let round = 0; ; round++) {
      const examination = await examine(input);
      const next = examination.fixes.find((fix) => !attempted.has(fixKey(fix)));
      if (!next || round >= MAX_FIXES) return { findings: examination.findings, fixes: outcomes };
      attempted.add(fixKey(next));
      options.onFix?.(next, undefined);
      const outcome = await applyFix(settings, exec, next, { now: options.now });
      outcomes.push(outcome);
      options.onFix?.(next, outcome);
    }
  } finally {
    lock.release();
  }
}
