// Entry of `npm run bench`: every bench, or the ones named with --only, each ending with PASS/FAIL per target.
// Exits non-zero only when a run is broken, not on a missed target.
import { loadavg } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { findPrograms } from "../test/world/programs.js";
import { ensureBenchTree } from "./bench-tree.js";
import { judgeBulk, renderBulkReport, runBulkBench } from "./bulk-renewal.js";
import { removeScratch } from "./measure.js";
import { BrokenRun } from "./runners.js";
import { runStatusBench } from "./status-bench.js";
import { judgeVerify, renderVerifyReport, runVerifyBench } from "./verify-bench.js";
import { judgeWatch, renderWatchReport } from "./watch.js";
import { measureIdle, SETTLE_SECONDS } from "./watch-idle.js";
import { measureReactions } from "./watch-reaction.js";
import { judgeZeroDowntime, renderZeroDowntimeReport, runZeroDowntimeBench } from "./zero-downtime.js";

const BENCHES = ["status", "verify", "renewal", "watch", "bulk"] as const;
type BenchName = (typeof BENCHES)[number];

const USAGE = `usage: npm run bench -- [--only NAME[,NAME]] [options]
  --only NAME       run only these benches (default all): status, verify, renewal, watch, bulk
status (ngcert status against certbot certificates on generated lineages; then the peak memory of ngcert doctor
        on them, cold and warm, each run about 20 s where no DNS resolver answers):
  --count N         lineages to generate (default 2000; the watch bench's idle watcher uses the same tree)
  --rounds N        alternating rounds of certbot / cold / warm (default 5, after one unmeasured warm-up round;
                    certbot takes 5-30 s a run on 2000 lineages, so each round costs about that much)
  --version-runs N  pairs of node -e 0 / ngcert --version (default 20)
  --regenerate      regenerate the lineage tree under .bench/ even if it can be reused
  --profile         also run ngcert status cold and warm under --cpu-prof and print the top self-time functions
verify (ngcert verify against a shell loop of openssl s_client, on one nginx serving generated lineages):
  --verify-lineages N  lineages served, two names each (default 1000: 2,000 names)
  --verify-rounds N    alternating rounds of openssl loop / verify cold / verify warm (default 3; the loop takes
                       about a minute on 2,000 names)
renewal (ngcert renew --force against certbot standalone with nginx stopped, under 8-client HTTPS load):
  --load-seconds N  load per path (default 12)
watch (reaction to a renewal that bypassed ngcert; idle cost with the generated lineages):
  --renewals N      renewals to time (default 5)
  --idle-seconds N  quiet stretch over which the idle CPU is measured, after ${SETTLE_SECONDS} s of settling (default 10)
bulk (one ngcert renew --force renewing many lineages of one nginx, under 8-client HTTPS load across their names):
  --bulk-lineages N  lineages issued by ngcert add, a server block each (default 50; about 3-7 s each to issue)
`;

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (text: string): void => void process.stderr.write(`${text}\n`);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      only: { type: "string", multiple: true },
      count: { type: "string", default: "2000" },
      rounds: { type: "string", default: "5" },
      "version-runs": { type: "string", default: "20" },
      regenerate: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "load-seconds": { type: "string", default: "12" },
      "verify-lineages": { type: "string", default: "1000" },
      "verify-rounds": { type: "string", default: "3" },
      renewals: { type: "string", default: "5" },
      "idle-seconds": { type: "string", default: "10" },
      "bulk-lineages": { type: "string", default: "50" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const selected = parseOnly(values.only);
  const count = positiveInteger(values.count, "--count");
  const env = childEnv();

  if (selected.has("status")) {
    const report = await runStatusBench({
      repo,
      count,
      rounds: positiveInteger(values.rounds, "--rounds"),
      versionRuns: positiveInteger(values["version-runs"], "--version-runs"),
      regenerate: values.regenerate,
      profile: values.profile,
      env,
      log,
      loadText,
    });
    process.stdout.write(`\n${report}`);
  }
  if (selected.has("verify") || selected.has("renewal") || selected.has("watch") || selected.has("bulk")) {
    const search = findPrograms();
    if (!search.found) throw new BrokenRun(`the verify, renewal, watch and bulk benches need ${search.missing.join(", ")}: apt-get install nginx certbot pebble`);
  }
  if (selected.has("verify")) {
    log(`verify bench: load ${loadText()}`);
    const search = findPrograms();
    const results = await runVerifyBench({
      cliPath: path.join(repo, "dist", "cli.js"),
      nginxBin: search.found ? search.programs.nginx : "nginx",
      lineages: positiveInteger(values["verify-lineages"], "--verify-lineages"),
      rounds: positiveInteger(values["verify-rounds"], "--verify-rounds"),
      env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      log,
    });
    log(`verify bench: load at end ${loadText()}`);
    process.stdout.write(`\n${renderVerifyReport(results, judgeVerify(results))}`);
  }
  if (selected.has("renewal")) {
    log(`renewal bench: load ${loadText()}`);
    const results = await runZeroDowntimeBench({ loadMs: positiveInteger(values["load-seconds"], "--load-seconds") * 1000, log });
    process.stdout.write(`\n${renderZeroDowntimeReport(results, judgeZeroDowntime(results))}`);
  }
  if (selected.has("watch")) {
    log(`watch bench: load ${loadText()}`);
    const reactions = await measureReactions(positiveInteger(values.renewals, "--renewals"), log);
    const tree = await ensureBenchTree({ benchDir: path.join(repo, ".bench"), count, regenerate: values.regenerate && !selected.has("status"), now: new Date() });
    const search = findPrograms();
    const idle = await measureIdle({
      letsencryptDir: tree.letsencryptDir,
      count,
      nginxBin: search.found ? search.programs.nginx : "nginx",
      idleSeconds: positiveInteger(values["idle-seconds"], "--idle-seconds"),
      env: Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined)),
      log,
    });
    const results = { reactions, idle, count };
    process.stdout.write(`\n${renderWatchReport(results, judgeWatch(results))}`);
  }
  if (selected.has("bulk")) {
    log(`bulk bench: load ${loadText()}`);
    const results = await runBulkBench({ lineages: positiveInteger(values["bulk-lineages"], "--bulk-lineages"), log });
    log(`bulk bench: load at end ${loadText()}`);
    process.stdout.write(`\n${renderBulkReport(results, judgeBulk(results))}`);
  }
  return 0;
}

function parseOnly(values: string[] | undefined): Set<BenchName> {
  if (values === undefined) return new Set(BENCHES);
  const names = values.flatMap((value) => value.split(",")).map((name) => name.trim()).filter(Boolean);
  const unknown = names.filter((name) => !(BENCHES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new BrokenRun(`--only ${JSON.stringify(values.join(","))}: choose from ${BENCHES.join(", ")}`);
  return new Set(names as BenchName[]);
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
