// Entry of `npm run bench`: ngcert status against certbot certificates on the same generated lineages, alternating,
// medians of several rounds, and PASS/FAIL per target. Exits non-zero only when a run is broken, not on a missed target.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { ensureBenchTree } from "./bench-tree.js";
import { checkCanaries } from "./canary.js";
import { profileRun } from "./cpu-profile.js";
import { describeChecks } from "./describe-checks.js";
import { measureStartup } from "./measure-startup.js";
import { removeScratch, rssProbe, runTimed } from "./measure.js";
import { judge, renderReport } from "./render-report.js";
import { runRounds } from "./run-rounds.js";
import { BrokenRun, type RunnerSetup } from "./runners.js";

const USAGE = `usage: npm run bench -- [--count N] [--rounds N] [--version-runs N] [--regenerate] [--profile]
  --count N         lineages to generate (default 2000)
  --rounds N        alternating rounds of certbot / cold / warm (default 5, after one unmeasured warm-up round;
                    certbot takes 5-30 s a run on 2000 lineages, so each round costs about that much)
  --version-runs N  pairs of node -e 0 / ngcert --version (default 20)
  --regenerate      regenerate the lineage tree under .bench/ even if it can be reused
  --profile         also run ngcert status cold and warm under --cpu-prof and print the top self-time functions
`;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (text: string): void => void process.stderr.write(`${text}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      count: { type: "string", default: "2000" },
      rounds: { type: "string", default: "5" },
      "version-runs": { type: "string", default: "20" },
      regenerate: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const count = positiveInteger(values.count, "--count");
  const rounds = positiveInteger(values.rounds, "--rounds");
  const versionRuns = positiveInteger(values["version-runs"], "--version-runs");
  const cliPath = path.join(repo, "dist", "cli.js");
  if (!existsSync(cliPath)) throw new BrokenRun(`${cliPath} is missing: run \`npm run build\` first (npm run bench does)`);
  const pkgVersion = (JSON.parse(readFileSync(path.join(repo, "package.json"), "utf8")) as { version: string }).version;
  const env = childEnv();

  const certbotVersion = runTimed("certbot", ["--version"], { env });
  if (certbotVersion.status !== 0) throw new BrokenRun(`certbot --version failed: ${certbotVersion.stderr.trim()}`);
  log(`node ${process.version}, ${certbotVersion.stdout.trim() || certbotVersion.stderr.trim()}, peak RSS via ${rssProbe}, load ${loadText()}`);

  const tree = await ensureBenchTree({ benchDir: path.join(repo, ".bench"), count, regenerate: values.regenerate, now: new Date() });
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
    process.stdout.write(`\n${renderReport(results, judge(results))}\n${describeChecks(tally, tree.lineages, count)}`);
    if (values.profile) printProfiles(setup);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function printProfiles(setup: RunnerSetup): void {
  const args = [setup.cliPath, "status", "--json", "--letsencrypt-dir", setup.letsencryptDir, "--cache-dir", setup.cacheDir];
  for (const state of ["cold", "warm"] as const) {
    if (state === "cold") rmSync(setup.cacheDir, { recursive: true, force: true });
    const { totalMs, hotSpots } = profileRun(args, setup.env);
    process.stdout.write(`\ncpu profile, status ${state} (${totalMs.toFixed(0)} ms sampled), top self time:\n`);
    for (const spot of hotSpots) process.stdout.write(`  ${spot.selfMs.toFixed(1).padStart(8)} ms ${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.name}\n`);
  }
}

/** The children get this environment minus NGCERT_* settings, so a developer's shell cannot change what is measured. */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("NGCERT_")));
}

function positiveInteger(value: string | undefined, flag: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new BrokenRun(`${flag} ${JSON.stringify(value)} is not a positive whole number`);
  return number;
}

function loadText(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(" ");
}

main()
  .then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      log(error instanceof BrokenRun ? `bench: BROKEN RUN: ${error.message}` : `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      process.exitCode = 1;
    },
  )
  .finally(removeScratch);
