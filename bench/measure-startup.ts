// `ngcert --version` against a bare `node -e 0`, alternating: the CLI must not load anything before answering.
import { runTimed } from "./measure.js";
import type { Samples } from "./render-report.js";
import { BrokenRun } from "./runners.js";

export function measureStartup(cliPath: string, expectedVersion: string, runs: number, env: NodeJS.ProcessEnv): { nodeBare: Samples; version: Samples } {
  const nodeBare: Samples = { ms: [], peakRssKiB: [] };
  const version: Samples = { ms: [], peakRssKiB: [] };
  // Two unmeasured pairs first, so neither side pays for a cold page cache.
  for (let i = -2; i < runs; i++) {
    const bare = runTimed(process.execPath, ["-e", "0"], { env });
    const answer = runTimed(process.execPath, [cliPath, "--version"], { env });
    if (answer.status !== 0 || answer.stdout.trim() !== expectedVersion) {
      throw new BrokenRun(`ngcert --version printed ${JSON.stringify(answer.stdout)} (exit ${answer.status}), expected ${expectedVersion}`);
    }
    if (i < 0) continue;
    nodeBare.ms.push(bare.ms);
    version.ms.push(answer.ms);
  }
  return { nodeBare, version };
}
