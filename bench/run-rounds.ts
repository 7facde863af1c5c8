// The alternating rounds: certbot certificates, ngcert status cold, ngcert status warm, in a rotating order, every run
// checked, after one unmeasured warm-up round.
import type { CheckTally } from "./describe-checks.js";
import { runTimed } from "./measure.js";
import type { Samples } from "./render-report.js";
import { runCertbot, runStatus, type RunnerSetup } from "./runners.js";

export interface RoundResults {
  certbot: Samples;
  cold: Samples;
  warm: Samples;
  tally: CheckTally;
}

const KINDS = ["certbot", "cold", "warm"] as const;

export function runRounds(setup: RunnerSetup, rounds: number, log: (text: string) => void): RoundResults {
  const results: RoundResults = {
    certbot: { ms: [], peakRssKiB: [] },
    cold: { ms: [], peakRssKiB: [] },
    warm: { ms: [], peakRssKiB: [] },
    tally: { statusRuns: 0, certbotRuns: 0, warmWithEmptyCache: 0, certbotWarnings: new Set(), lastStatus: undefined, lastCertbot: undefined },
  };
  const { tally } = results;
  for (let round = 0; round <= rounds; round++) {
    // Rotate the order each round so no program always runs right after the same other one.
    const order = KINDS.map((_, i) => KINDS[(i + round) % KINDS.length]!);
    const line: string[] = [];
    for (const kind of order) {
      if (kind === "certbot" && round === 0) {
        // Warm-up: only certbot's Python modules. A full certbot run would cost as much as the rest of the warm-up
        // together, and ngcert's runs already bring the lineage files into the page cache.
        runTimed("certbot", ["--version"], { env: setup.env });
      } else if (kind === "certbot") {
        const { run, check } = runCertbot(setup);
        tally.certbotRuns++;
        tally.lastCertbot = check;
        check.warnings.forEach((warning) => tally.certbotWarnings.add(warning));
        record(results.certbot, run.ms, run.peakRssKiB);
        line.push(`certbot ${run.ms.toFixed(0)} ms`);
      } else {
        const { run, check, cacheWasEmpty } = runStatus(setup, kind);
        tally.statusRuns++;
        tally.lastStatus = check;
        if (kind === "warm" && cacheWasEmpty) tally.warmWithEmptyCache++;
        if (round > 0) record(results[kind], run.ms, run.peakRssKiB);
        line.push(`${kind} ${run.ms.toFixed(0)} ms`);
      }
    }
    log(`${round === 0 ? "warm-up" : `round ${round}/${rounds}`}: ${line.join(", ")}`);
  }
  return results;
}

function record(samples: Samples, ms: number, peakRssKiB: number | undefined): void {
  samples.ms.push(ms);
  if (peakRssKiB !== undefined) samples.peakRssKiB.push(peakRssKiB);
}
