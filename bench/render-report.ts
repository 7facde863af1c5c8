// Renders the bench results as a plain-text table: medians, ratios against certbot, peak memory, PASS/FAIL per target.
import { median } from "./measure.js";
import { TARGETS } from "./targets.js";

export interface Samples {
  ms: number[];
  peakRssKiB: number[];
}

export interface BenchResults {
  count: number;
  rounds: number;
  certbot: Samples;
  cold: Samples;
  warm: Samples;
  nodeBare: Samples;
  version: Samples;
}

export interface Verdict {
  label: string;
  measured: string;
  goal: string;
  pass: boolean;
}

export function judge(results: BenchResults): Verdict[] {
  const certbot = median(results.certbot.ms);
  const coldRatio = certbot / median(results.cold.ms);
  const warmRatio = certbot / median(results.warm.ms);
  const coldPeak = peakMiB(results.cold);
  const warmPeak = peakMiB(results.warm);
  const overhead = median(results.version.ms) - median(results.nodeBare.ms);
  return [
    { label: "cold speed-up (certbot / cold)", measured: `${coldRatio.toFixed(1)}x`, goal: `>= ${TARGETS.coldSpeedup}x`, pass: coldRatio >= TARGETS.coldSpeedup },
    { label: "warm speed-up (certbot / warm)", measured: `${warmRatio.toFixed(1)}x`, goal: `>= ${TARGETS.warmSpeedup}x`, pass: warmRatio >= TARGETS.warmSpeedup },
    { label: "peak RSS, status cold", measured: `${coldPeak.toFixed(1)} MiB`, goal: `< ${TARGETS.peakRssMiB} MiB`, pass: coldPeak < TARGETS.peakRssMiB },
    { label: "peak RSS, status warm", measured: `${warmPeak.toFixed(1)} MiB`, goal: `< ${TARGETS.peakRssMiB} MiB`, pass: warmPeak < TARGETS.peakRssMiB },
    { label: "--version over node -e 0", measured: `${overhead.toFixed(1)} ms`, goal: `<= ${TARGETS.versionOverheadMs} ms`, pass: overhead <= TARGETS.versionOverheadMs },
  ];
}

/** NaN (nothing measured) fails every comparison, so an unmeasured peak shows as FAIL rather than passing silently. */
function peakMiB(samples: Samples): number {
  return samples.peakRssKiB.length === 0 ? Number.NaN : Math.max(...samples.peakRssKiB) / 1024;
}

export function renderReport(results: BenchResults, verdicts: readonly Verdict[]): string {
  const rows: Array<[string, Samples]> = [
    ["certbot certificates", results.certbot],
    ["ngcert status --json, cold", results.cold],
    ["ngcert status --json, warm", results.warm],
    ["node -e 0", results.nodeBare],
    ["ngcert --version", results.version],
  ];
  const out = [
    `ngcert status benchmark: ${results.count} lineages, ${results.rounds} alternating rounds (medians)`,
    "",
    `${"run".padEnd(30)}${"median ms".padStart(11)}${"min ms".padStart(10)}${"max ms".padStart(10)}${"peak MiB".padStart(10)}  n`,
    ...rows.map(([label, samples]) => {
      const peak = samples.peakRssKiB.length === 0 ? "-" : (Math.max(...samples.peakRssKiB) / 1024).toFixed(1);
      return `${label.padEnd(30)}${fixed(median(samples.ms)).padStart(11)}${fixed(Math.min(...samples.ms)).padStart(10)}${fixed(Math.max(...samples.ms)).padStart(10)}${peak.padStart(10)}  ${samples.ms.length}`;
    }),
    "",
    renderVerdicts(verdicts),
  ];
  return `${out.join("\n")}\n`;
}

/** The PASS/FAIL table every bench ends with. */
export function renderVerdicts(verdicts: readonly Verdict[]): string {
  const missed = verdicts.filter((verdict) => !verdict.pass).length;
  return [
    `${"target".padEnd(32)}${"measured".padStart(12)}${"goal".padStart(14)}  result`,
    ...verdicts.map((verdict) => `${verdict.label.padEnd(32)}${verdict.measured.padStart(12)}${verdict.goal.padStart(14)}  ${verdict.pass ? "PASS" : "FAIL <<<"}`),
    "",
    missed === 0 ? "All targets met." : `MISSED ${missed} of ${verdicts.length} targets.`,
  ].join("\n");
}

function fixed(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms.toFixed(1);
}
