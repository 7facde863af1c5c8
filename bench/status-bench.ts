// The status bench: ngcert status against certbot certificates on the same generated lineages, alternating, medians of
// several rounds, and PASS/FAIL per target.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ensureBenchTree } from "./bench-tree.js";
import { renderDoctorPeak } from "./doctor-peak.js";
import { checkCanaries } from "./canary.js";
import { profileRun } from "./cpu-profile.js";
import { describeChecks } from "./describe-checks.js";
import { measureStartup } from "./measure-startup.js";
import { median, rssProbe, runTimed } from "./measure.js";
import { judge, renderReport } from "./render-report.js";
import { runRounds } from "./run-rounds.js";
import { renderFloors } from "./status-floors.js";
import { BrokenRun, type RunnerSetup } from "./runners.js";
import { collectFacts } from "../src/status/collect-status.js";

export interface StatusBenchOptions {
  repo: string;
  count: number;
  rounds: number;
  versionRuns: number;
  regenerate: boolean;
  profile: boolean;
  env: NodeJS.ProcessEnv;
  log: (text: string) => void;
  loadText: () => string;
}

/** Runs the status bench; returns the report to print. */
export async function runStatusBench(options: StatusBenchOptions): Promise<string> {
  const { repo, count, rounds, versionRuns, env, log, loadText } = options;
  const cliPath = path.join(repo, "dist", "cli.js");
  if (!existsSync(cliPath)) throw new BrokenRun(`${cliPath} is missing: run \`npm run build\` first (npm run bench does)`);
  const pkgVersion = (JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string }).version;

  const certbotVersion = runTimed("certbot", ["--version"], { env });
  if (certbotVersion.status !== 0) throw new BrokenRun(`certbot --version failed: ${certbotVersion.stderr.trim()}`);
  log(`node ${process.version}, ${certbotVersion.stdout.trim() || certbotVersion.stderr.trim()}, peak RSS via ${rssProbe}, load ${loadText()}`);

  const tree = await ensureBenchTree({ benchDir: path.join(repo, ".bench"), count, regenerate: options.regenerate, now: new Date() });
  log(
    tree.generatedBecause === undefined
      ? `reusing ${count} lineages in ${tree.letsencryptDir} (generated ${tree.generatedAt}; --regenerate to redo)`
      : `generated ${count} lineages in ${tree.letsencryptDir} in ${((tree.generationMs ?? 0) / 1000).toFixed(1)} s (${tree.generatedBecause})`,
  );

  const scratch = mkdtempSync(path.join(tmpdir(), "ngcert-bench-certbot-"));
  const setup: RunnerSetup = {
    cliPath,
    letsencryptDir: tree.letsencryptDir,
    lineages: tree.lineages,
    cacheDir: path.join(repo, ".bench", `cache-${count}`),
    certbotWorkDir: path.join(scratch, "work"),
    certbotLogsDir: path.join(scratch, "logs"),
    env,
  };
  try {
    await checkCanaries(cliPath, env);
    log("canaries: ngcert status flags a wrong key, a forged chain signature and a bad fullchain, cold and warm");
    const { tally, ...samples } = runRounds(setup, rounds, log);
    const startup = measureStartup(cliPath, pkgVersion, versionRuns, env);
    const results = { count, rounds, ...samples, ...startup };
    log(`load at end ${loadText()}`);
    let report = `${renderReport(results, judge(results))}\n${describeChecks(tally, tree.lineages, count)}${renderFloors(setup, median(results.certbot.ms), median(results.nodeBare.ms), Math.min(versionRuns, 10))}${await renderFocusRead(setup)}${renderDoctorPeak(setup)}`;
    if (options.profile) report += renderProfiles(setup);
    return report;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function renderProfiles(setup: RunnerSetup): string {
  const args = [setup.cliPath, "status", "--json", "--letsencrypt-dir", setup.letsencryptDir, "--cache-dir", setup.cacheDir];
  let out = "";
  for (const state of ["cold", "warm"] as const) {
    if (state === "cold") rmSync(setup.cacheDir, { recursive: true, force: true });
    const { totalMs, hotSpots } = profileRun(args, setup.env);
    out += `\ncpu profile, status ${state} (${totalMs.toFixed(0)} ms sampled), top self time:\n`;
    for (const spot of hotSpots) out += `  ${spot.selfMs.toFixed(1).padStart(8)} ms ${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.name}\n`;
  }
  return out;
}

/**
 * What a deploy hook inside a renewal run reads: its own lineage, against all of them (what it read before), in this
 * process on the warm cache the rounds left.
 */
async function renderFocusRead(setup: RunnerSetup): Promise<string> {
  const one = setup.lineages[Math.floor(setup.lineages.length / 2)]!.name;
  const time = async (names: string[]): Promise<number> => {
    const started = performance.now();
    await collectFacts({
      letsencryptDir: setup.letsencryptDir,
      names,
      cacheDir: setup.cacheDir,
      warn: (message) => {
        throw new BrokenRun(`the status cache was not used: ${message}`);
      },
    });
    return performance.now() - started;
  };
  await time([]);
  const all: number[] = [];
  const focus: number[] = [];
  for (let i = 0; i < 7; i++) {
    all.push(await time([]));
    focus.push(await time([one]));
  }
  return `\ndeploy hook in a renewal run, reading lineages (warm cache, in process, median of 7): its own ${median(focus).toFixed(0)} ms, all ${setup.lineages.length} ${median(all).toFixed(0)} ms\n`;
}
