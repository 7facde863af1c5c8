// The bulk renewal bench (issue 16, "at hosting scale"): N lineages issued by `ngcert add` on one nginx (a server
// block each), 8 HTTPS clients across all their names, then ONE `ngcert renew --force` (one `certbot renew
// --force-renewal` run through ngcert's hooks) renews them all. Reloads are counted in nginx's own error log, the post
// hook's span is taken from certbot's own log, failures and new serials from the clients, what is served from a
// handshake per name afterwards (test/world/bulk-renewal.ts measures; this runs it and judges).
import path from "node:path";
import { bulkNames, issueSites, renewAllUnderLoad, type BulkRenewal } from "../test/world/bulk-renewal.js";
import { describeRun, runNgcert } from "../test/world/run-ngcert.js";
import { startWorld } from "../test/world/world.js";
import { median } from "./measure.js";
import { renderVerdicts, type Verdict } from "./render-report.js";
import { BrokenRun } from "./runners.js";
import { TARGETS } from "./targets.js";

export interface BulkOptions {
  lineages: number;
  log: (text: string) => void;
}

export interface BulkResults {
  lineages: number;
  issueMs: number;
  run: BulkRenewal;
}

export async function runBulkBench(options: BulkOptions): Promise<BulkResults> {
  const world = await startWorld({ challengeServer: false });
  try {
    options.log(`bulk bench: test world up in ${world.startupMs} ms (nginx, Pebble, challtestsrv on loopback)`);
    const config = path.join(world.dirs.root, "no-config.json");
    const names = bulkNames(options.lineages, "bulk.ngcert.test");
    const issueStarted = performance.now();
    await issueSites(world, names, { config, onAdded: (name, ms) => options.log(`bulk bench: ngcert add ${name} (${(ms / 1000).toFixed(1)} s)`) }).catch((error: unknown) => {
      throw new BrokenRun(error instanceof Error ? error.message : String(error));
    });
    const issueMs = performance.now() - issueStarted;
    options.log(`bulk bench: ${names.length} lineages issued and served in ${(issueMs / 1000).toFixed(0)} s; ngcert renew --force under 8-client load across their ${names.length} names`);
    const run = await renewAllUnderLoad({
      world,
      names,
      concurrency: 8,
      pauseMs: 0,
      marginMs: 2_000,
      servedWaitMs: 10_000,
      renew: async () => {
        const renew = await runNgcert(world, ["renew", "--force", "--config", config], { timeoutMs: 30 * 60_000 });
        return { exitCode: renew.exitCode, describe: () => describeRun(renew) };
      },
    });
    if (run.exitCode !== 0) throw new BrokenRun(`ngcert renew --force failed:\n${run.describe()}`);
    const unrenewed = run.certificates.filter((certificate) => certificate.after === certificate.before);
    if (unrenewed.length > 0) throw new BrokenRun(`live/ still holds the old certificate of ${unrenewed.map((certificate) => certificate.name).join(", ")}`);
    return { lineages: options.lineages, issueMs, run };
  } finally {
    await world.stop();
  }
}

/** The post hook by certbot's log: from certbot starting it to certbot noting its output, once it had exited. */
function postHookMs(run: BulkRenewal): number {
  const { postHookFrom, postHookTo } = run.certbot;
  return postHookFrom === undefined || postHookTo === undefined ? Number.NaN : postHookTo - postHookFrom;
}

export function judgeBulk(results: BulkResults): Verdict[] {
  const { run } = results;
  const served = run.certificates.filter((certificate) => certificate.served === certificate.after).length;
  const hookMs = postHookMs(run);
  return [
    { label: "nginx reloads in the run", measured: String(run.reloads.signals), goal: `= ${TARGETS.bulkRenewalReloads}`, pass: run.reloads.signals === TARGETS.bulkRenewalReloads && run.reloads.generations === TARGETS.bulkRenewalReloads },
    { label: "failed requests under load", measured: String(run.load.failed), goal: `= ${TARGETS.bulkRenewalFailed}`, pass: run.load.failed === TARGETS.bulkRenewalFailed },
    { label: "post hook, start to all served", measured: `${Math.round(hookMs)} ms`, goal: `<= ${TARGETS.bulkRenewalPostHookMs} ms`, pass: hookMs <= TARGETS.bulkRenewalPostHookMs && run.hookServedNames.length === results.lineages },
    { label: "new certificates served", measured: `${served}/${results.lineages}`, goal: `= ${results.lineages}`, pass: served === results.lineages },
  ];
}

export function renderBulkReport(results: BulkResults, verdicts: readonly Verdict[]): string {
  const { run } = results;
  const seconds = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? "-" : (ms / 1000).toFixed(2));
  const from = run.certbot.postHookFrom;
  const rows: Array<[string, string]> = [
    ["lineages issued by ngcert add (s)", seconds(results.issueMs)],
    ["ngcert renew --force, wall (s)", seconds(run.renewalMs)],
    ["certbot run, first to last log line (s)", seconds(run.certbot.runTo - run.certbot.runFrom)],
    ["deploy hooks: count, median, max (s)", deployHooks(run.certbot.deployHookMs)],
    ["nginx SIGHUPs / worker generations", `${run.reloads.signals} / ${run.reloads.generations}`],
    ["nginx master kept", run.masterAfter === run.masterBefore ? `yes (pid ${run.masterBefore})` : `NO (${run.masterBefore} -> ${run.masterAfter})`],
    ["post hook, certbot's log (s)", seconds(postHookMs(run))],
    ["post hook's own: proven served (s)", seconds(run.hookProvenMs)],
    ["post hook named renewed and served", `${run.hookServedNames.length}/${results.lineages}`],
    ["clients saw every new serial (s after post hook start)", seconds(from === undefined || run.clientsSawAllAt === undefined ? undefined : run.clientsSawAllAt - from)],
    ["requests answered / failed", `${run.load.ok} / ${run.load.failed}`],
    ["names under load", String(run.load.names)],
    ["failures by kind", Object.entries(run.load.errors).map(([kind, count]) => `${kind} ${count}`).join(", ") || "-"],
  ];
  const out = [
    `bulk renewal: ${results.lineages} lineages on one nginx, one ngcert renew --force (one certbot run), 8 HTTPS clients across all names from 2 s before to 2 s after`,
    "",
    ...rows.map(([label, value]) => `${label.padEnd(56)}${value}`),
    "",
    renderVerdicts(verdicts),
  ];
  return `${out.join("\n")}\n`;
}

function deployHooks(ms: readonly number[]): string {
  return ms.length === 0 ? "none" : `${ms.length}, ${(median(ms) / 1000).toFixed(2)}, ${(Math.max(...ms) / 1000).toFixed(2)}`;
}
