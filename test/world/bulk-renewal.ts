// One renewal run over many lineages of one nginx, under HTTPS load across all their names (issue 16), as the bulk
// bench and its e2e test run it. Every figure comes from something the code under test does not write: reloads from
// nginx's own error log (the master's "signal 1 (SIGHUP) received" line, and a new generation of workers for each),
// the post hook's span from certbot's own log, failures and serials from the clients, what is served from handshakes.
import { readFileSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { renewManyUnderLoad } from "../../src/demo/renew-under-load.js";
import { UPSTREAM_HEADER } from "../../src/world/echo-upstream.js";
import { mapBounded } from "../../src/served/map-bounded.js";
import { describeRun, runNgcert } from "./run-ngcert.js";
import { fetchServedCertificate } from "./served-certificate.js";
import type { World } from "./world.js";

/** `n` site names, sorted as certbot sorts renewal/*.conf (zero-padded). */
export function bulkNames(count: number, zone: string): string[] {
  const width = String(count).length;
  return Array.from({ length: count }, (_, index) => `site${String(index + 1).padStart(width, "0")}.${zone}`);
}

/** ngcert's normal path: init, then `ngcert add` per name (certbot certonly through the shared webroot, a site each). */
export async function issueSites(world: World, names: readonly string[], options: { config: string; onAdded?: (name: string, ms: number) => void }): Promise<void> {
  const init = await runNgcert(world, ["init", "--config", options.config], { timeoutMs: 90_000 });
  if (init.exitCode !== 0) throw new Error(`ngcert init failed:\n${describeRun(init)}`);
  for (const name of names) {
    const started = performance.now();
    const add = await runNgcert(world, ["add", name, "--upstream", world.upstream.url, "--config", options.config], { timeoutMs: 90_000 });
    if (add.exitCode !== 0) throw new Error(`ngcert add ${name} failed:\n${describeRun(add)}`);
    options.onAdded?.(name, performance.now() - started);
  }
}

export interface NginxReloads {
  /** The master's "signal 1 (SIGHUP) received" lines: every reload, whoever sent it. */
  signals: number;
  /** "start worker processes" lines: each generation of workers a reload started. */
  generations: number;
}

export function countReloads(errorLog: string): NginxReloads {
  const lines = errorLog.split("\n");
  return { signals: lines.filter((line) => line.includes("signal 1 (SIGHUP) received")).length, generations: lines.filter((line) => line.includes("start worker processes")).length };
}

export interface CertbotLogSpan {
  /** Epoch ms of certbot's first and last log line: the run from start to end. */
  runFrom: number;
  runTo: number;
  /** "Running post-hook command" to certbot's note of its output (written once the hook exited). */
  postHookFrom: number | undefined;
  postHookTo: number | undefined;
  /** What the post hook printed, as certbot logged it. */
  postHookOutput: string;
  /** Each deploy hook the same way, start to certbot's note of its output: what ngcert adds per renewed lineage. */
  deployHookMs: number[];
}

const LOG_LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d),(\d{3}):(\w+):([\w.]+):(.*)$/;

/** The last run in certbot's letsencrypt.log; its timestamps are local time with milliseconds. */
export function readCertbotLogSpan(text: string): CertbotLogSpan {
  const entries: { at: number; message: string }[] = [];
  for (const line of text.split("\n")) {
    const match = LOG_LINE.exec(line);
    if (match) {
      const [y, mo, d, h, mi, s, ms] = match.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
      entries.push({ at: new Date(y, mo - 1, d, h, mi, s, ms).getTime(), message: match[10]! });
    } else if (entries.length > 0) entries.at(-1)!.message += `\n${line}`;
  }
  // certbot appends every run to the same file here: the last run starts at its last "certbot version" line.
  const lastRun = entries.findLastIndex((entry) => entry.message.startsWith("certbot version:"));
  entries.splice(0, Math.max(0, lastRun));
  if (entries.length === 0) throw new Error("certbot's log has no timestamped line");
  const start = entries.find((entry) => entry.message.startsWith("Running post-hook command"));
  const output = entries.find((entry) => entry.message.startsWith("Notifying user: Hook 'post-hook' ran with output"));
  const deployHookMs: number[] = [];
  let deployFrom: number | undefined;
  for (const entry of entries) {
    if (entry.message.startsWith("Running deploy-hook command")) deployFrom = entry.at;
    else if (deployFrom !== undefined && entry.message.startsWith("Notifying user: Hook 'deploy-hook' ran with")) {
      deployHookMs.push(entry.at - deployFrom);
      deployFrom = undefined;
    }
  }
  return { runFrom: entries[0]!.at, runTo: entries.at(-1)!.at, postHookFrom: start?.at, postHookTo: output?.at, postHookOutput: output?.message ?? "", deployHookMs };
}

export interface BulkRenewal {
  exitCode: number;
  describe: () => string;
  /** Wall time of the renewal command. */
  renewalMs: number;
  reloads: NginxReloads;
  /** nginx's master before and after: a restart would change it. */
  masterBefore: number;
  masterAfter: number;
  load: { ok: number; failed: number; errors: Record<string, number>; durationMs: number; names: number };
  certbot: CertbotLogSpan;
  /** Per name: live/ serial before and after, and what nginx serves now (one handshake each). */
  certificates: { name: string; before: string; after: string; served: string }[];
  /** Names the post hook said it renewed and proved served, and its own "proven served N ms after this hook started". */
  hookServedNames: string[];
  hookProvenMs: number | undefined;
  /** Epoch ms at which the load's clients had seen every name's new serial; undefined if some name never was. */
  clientsSawAllAt: number | undefined;
}

export interface BulkPlan {
  world: World;
  names: readonly string[];
  concurrency: number;
  pauseMs: number;
  /** Load before the renewal, and at least this long after it. */
  marginMs: number;
  /** After the margin, how much longer the clients may take to see every new serial. */
  servedWaitMs: number;
  renew: () => Promise<{ exitCode: number; describe: () => string }>;
}

export async function renewAllUnderLoad(plan: BulkPlan): Promise<BulkRenewal> {
  const { world, names } = plan;
  const errorLogFrom = statSync(world.nginx.errorLog).size;
  const masterBefore = Number(readFileSync(world.nginx.pidFile, "utf8").trim());
  let renewal: { exitCode: number; describe: () => string } = { exitCode: -1, describe: () => "not run" };
  // The demo's measure, with the load spread over every name and each lineage's serials followed.
  const { run, lineages, namesLoaded } = await renewManyUnderLoad({
    load: { port: world.ports.https, servername: names[0]!, servernames: names, concurrency: plan.concurrency, pauseMs: plan.pauseMs, markHeader: UPSTREAM_HEADER, marginMs: plan.marginMs, servedWaitMs: plan.servedWaitMs },
    letsencryptDir: world.dirs.letsencryptDir,
    names,
    nginxPidFile: world.nginx.pidFile,
    renew: async () => {
      renewal = await plan.renew();
      return renewal.exitCode;
    },
    signal: new AbortController().signal,
  });
  const errorLog = (await readFile(world.nginx.errorLog)).subarray(errorLogFrom).toString("utf8");
  const masterAfter = Number(readFileSync(world.nginx.pidFile, "utf8").trim());
  const served = await mapBounded(names, 8, async (name) => (await fetchServedCertificate({ port: world.ports.https, servername: name })).serialNumber.toLowerCase());
  const certbot = readCertbotLogSpan(await readFile(path.join(world.dirs.logsDir, "letsencrypt.log"), "utf8"));
  const firstSeen = lineages.map((lineage) => lineage.newSerialServedAtMs);
  const hookText = `${certbot.postHookOutput}\n${renewal.describe()}`;
  return {
    exitCode: renewal.exitCode,
    describe: renewal.describe,
    renewalMs: run.renewal.toMs - run.renewal.fromMs,
    reloads: countReloads(errorLog),
    masterBefore,
    masterAfter,
    load: { ok: run.load.ok, failed: run.load.failed, errors: run.load.errors, durationMs: run.load.durationMs, names: namesLoaded },
    certbot,
    certificates: lineages.map((lineage, index) => ({ name: lineage.name, before: lineage.serialBefore, after: lineage.serialAfter, served: served[index]! })),
    hookServedNames: /ngcert hook post: renewed in this run and served: (.*)/.exec(hookText)?.[1]?.split(", ") ?? [],
    hookProvenMs: numberOrUndefined(/ngcert hook post: \d+ renewed certificate\(s\) proven served (\d+) ms after this hook started/.exec(hookText)?.[1]),
    clientsSawAllAt: firstSeen.every((at) => at !== undefined) ? run.startedAt + Math.max(...(firstSeen as number[])) : undefined,
  };
}

function numberOrUndefined(text: string | undefined): number | undefined {
  return text === undefined ? undefined : Number(text);
}
