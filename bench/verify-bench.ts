// The verify bench (issue 16): one real nginx serving N lineages (two names each, one server block per lineage, tuned
// as a host with thousands of sites is), and in the same run, alternating, what operators script (a shell loop of
// `openssl s_client` piped to `openssl x509 -fingerprint`, one name at a time) against `ngcert verify --json` with its
// facts cache empty and primed. Every run is checked: the loop must see each name's own certificate, verify must
// report no problem at all.
import { createHash, X509Certificate } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startHostingWorld, type HostingWorld } from "../test/world/hosting-world.js";
import { median, runTimed, type Run } from "./measure.js";
import { renderVerdicts, type Verdict } from "./render-report.js";
import { BrokenRun } from "./runners.js";
import { TARGETS } from "./targets.js";

export interface VerifyBenchOptions {
  cliPath: string;
  nginxBin: string;
  lineages: number;
  rounds: number;
  env: Record<string, string>;
  log: (text: string) => void;
}

export interface VerifyBenchResults {
  lineages: number;
  names: number;
  loop: number[];
  cold: number[];
  warm: number[];
  peakRssKiB: number[];
  problems: number;
}

const LOOP = `#!/usr/bin/env bash
# What an operator scripts: for each name, the certificate nginx presents, as a SHA-256 fingerprint.
set -u
while read -r name; do
  fp=$(openssl s_client -connect "127.0.0.1:$1" -servername "$name" </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null)
  echo "$name \${fp#*=}"
done < "$2"
`;

export async function runVerifyBench(options: VerifyBenchOptions): Promise<VerifyBenchResults> {
  const started = performance.now();
  const world = await startHostingWorld({ lineages: options.lineages, nginxBin: options.nginxBin });
  try {
    options.log(`verify bench: ${options.lineages} lineages, ${options.lineages * 2} names, served by one nginx, up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const expected = expectedFingerprints(world);
    const namesFile = path.join(world.root, "names.txt");
    const loopFile = path.join(world.root, "loop.sh");
    writeFileSync(namesFile, `${[...expected.keys()].join("\n")}\n`);
    writeFileSync(loopFile, LOOP, { mode: 0o755 });
    const env = { ...options.env, ...world.env };
    const results: VerifyBenchResults = { lineages: options.lineages, names: expected.size, loop: [], cold: [], warm: [], peakRssKiB: [], problems: 0 };
    const verify = (state: "cold" | "warm"): Run => {
      if (state === "cold") rmSync(world.env.NGCERT_CACHE_DIR!, { recursive: true, force: true });
      const run = runTimed(process.execPath, [options.cliPath, "verify", "--json"], { env, measureRss: true });
      const problems = checkVerify(run, options.lineages);
      results.problems += problems;
      if (run.peakRssKiB !== undefined) results.peakRssKiB.push(run.peakRssKiB);
      return run;
    };
    verify("warm"); // unmeasured warm-up: page cache, nginx's session cache
    for (let round = 1; round <= options.rounds; round++) {
      const line: string[] = [];
      const order = round % 2 === 1 ? (["loop", "cold", "warm"] as const) : (["cold", "warm", "loop"] as const);
      for (const kind of order) {
        if (kind === "loop") {
          const run = runTimed("bash", [loopFile, String(world.httpsPort), namesFile], { env });
          checkLoop(run, expected);
          results.loop.push(run.ms);
          line.push(`openssl loop ${(run.ms / 1000).toFixed(1)} s`);
        } else {
          const run = verify(kind);
          results[kind].push(run.ms);
          line.push(`verify ${kind} ${run.ms.toFixed(0)} ms`);
        }
      }
      options.log(`verify bench: round ${round}/${options.rounds}: ${line.join(", ")}`);
    }
    return results;
  } finally {
    await world.stop();
  }
}

function expectedFingerprints(world: HostingWorld): Map<string, string> {
  const expected = new Map<string, string>();
  for (const site of world.sites) {
    const der = new X509Certificate(readFileSync(path.join(world.letsencryptDir, "live", site.name, "cert.pem"))).raw;
    const fingerprint = createHash("sha256").update(der).digest("hex");
    for (const domain of site.domains) expected.set(domain, fingerprint);
  }
  return expected;
}

/** The loop saw every name's own certificate (else the comparison would flatter ngcert). */
function checkLoop(run: Run, expected: ReadonlyMap<string, string>): void {
  if (run.status !== 0) throw new BrokenRun(`the openssl loop exited ${run.status}: ${run.stderr.slice(0, 500)}`);
  const seen = new Map(run.stdout.trim().split("\n").map((line) => line.split(" ") as [string, string]));
  const wrong = [...expected].filter(([name, fingerprint]) => (seen.get(name) ?? "").replaceAll(":", "").toLowerCase() !== fingerprint);
  if (wrong.length > 0) throw new BrokenRun(`the openssl loop did not see ${wrong.length} names' certificates, e.g. ${wrong[0]![0]}: ${seen.get(wrong[0]![0])}`);
}

/** The number of problems verify reported (every one is false: nginx serves every name), after checking the report. */
function checkVerify(run: Run, lineages: number): number {
  if (run.status !== 0 && run.status !== 1) throw new BrokenRun(`ngcert verify exited ${run.status}: ${run.stderr.slice(0, 500)}`);
  const report = JSON.parse(run.stdout) as { certificates: { problems: unknown[] }[] };
  if (report.certificates.length !== lineages) throw new BrokenRun(`ngcert verify listed ${report.certificates.length} lineages, not ${lineages}`);
  return report.certificates.reduce((sum, cert) => sum + cert.problems.length, 0);
}

export function judgeVerify(results: VerifyBenchResults): Verdict[] {
  const loop = median(results.loop);
  const cold = loop / median(results.cold);
  const warm = loop / median(results.warm);
  const peak = Math.max(...results.peakRssKiB) / 1024;
  return [
    { label: "verify cold vs openssl loop", measured: `${cold.toFixed(1)}x`, goal: `>= ${TARGETS.verifySpeedup}x`, pass: cold >= TARGETS.verifySpeedup },
    { label: "verify warm vs openssl loop", measured: `${warm.toFixed(1)}x`, goal: `>= ${TARGETS.verifySpeedup}x`, pass: warm >= TARGETS.verifySpeedup },
    { label: "false problems, every run", measured: String(results.problems), goal: "0", pass: results.problems === 0 },
    { label: "peak RSS, verify", measured: `${peak.toFixed(1)} MiB`, goal: `< ${TARGETS.peakRssMiB} MiB`, pass: peak < TARGETS.peakRssMiB },
  ];
}

export function renderVerifyReport(results: VerifyBenchResults, verdicts: readonly Verdict[]): string {
  const row = (label: string, samples: readonly number[]): string =>
    `${label.padEnd(34)}${(median(samples) / 1000).toFixed(2).padStart(10)}${(Math.min(...samples) / 1000).toFixed(2).padStart(9)}${(Math.max(...samples) / 1000).toFixed(2).padStart(9)}  ${samples.length}`;
  return [
    `ngcert verify: ${results.names} names (${results.lineages} lineages) served by one nginx, ${results.loop.length} alternating rounds (medians)`,
    "",
    `${"run".padEnd(34)}${"median s".padStart(10)}${"min s".padStart(9)}${"max s".padStart(9)}  n`,
    row("openssl s_client loop", results.loop),
    row("ngcert verify --json, cold cache", results.cold),
    row("ngcert verify --json, warm cache", results.warm),
    "",
    renderVerdicts(verdicts),
    "",
  ].join("\n");
}
