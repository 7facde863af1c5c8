// One renewal while HTTPS clients keep requesting a site: the load runs a margin before the renewal and a margin
// after it (longer, within a bound, until a client has seen the new certificate), nginx is watched from outside, and
// what the clients saw is returned as data: per 100 ms, failures, time without service, and when the new certificate
// was first served compared with when certbot saved it.
import { X509Certificate } from "node:crypto";
import { readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { runHttpsLoad, type LoadSample } from "../load/https-load.js";
import { binSamples, countErrors, type Timeline } from "../load/timeline.js";
import { sleep } from "../world/wait.js";
import { watchNginx, type NginxEventKind } from "./watch-nginx.js";

export interface LoadSettings {
  /** HTTPS port, SNI name and Host header of the site under load. */
  port: number;
  servername: string;
  /** Several sites at once: each request goes to the next of these names in turn (servername is then unused). */
  servernames?: readonly string[];
  concurrency: number;
  pauseMs: number;
  /** A response counts as served only with this header (the upstream's, not an nginx error page). */
  markHeader: string;
  /** How long the load runs before the renewal starts and, at least, after it ends. */
  marginMs: number;
  /** After the margin, how much longer the load may wait for every new certificate to be served. */
  servedWaitMs: number;
}

export interface RenewalPlan {
  load: LoadSettings;
  letsencryptDir: string;
  /** The lineages renewed; a run's serials and times are those of the first. */
  names: readonly string[];
  nginxPidFile: string;
  /** Runs the renewal; resolves with its exit code. */
  renew: () => Promise<number>;
  /** Ctrl-C: the load stops at once and the run throws once the renewal has been interrupted too. */
  signal: AbortSignal;
}

export interface RenewalRun {
  exitCode: number;
  /** Date.now() when the load began: every *Ms figure counts from here. */
  startedAt: number;
  load: { durationMs: number; ok: number; failed: number; outageMs: number; errors: Record<string, number> };
  timeline: Timeline;
  /** ms since the load started. */
  renewal: { fromMs: number; toMs: number };
  nginx: { kind: NginxEventKind; atMs: number }[];
  serialBefore: string;
  serialAfter: string;
  /** When certbot wrote the new certificate (its file's modification time), ms since the load started. */
  certificateSavedAtMs: number | undefined;
  /** When a client first got the new certificate, ms since the load started; undefined: not before the load ended. */
  newSerialServedAtMs: number | undefined;
}

/** Every renewed lineage of a run over several: its live/ serial before and after, and when a client first got it. */
export interface LineageUnderLoad {
  name: string;
  serialBefore: string;
  serialAfter: string;
  /** ms since the load started; undefined: no client got the new certificate before the load ended. */
  newSerialServedAtMs: number | undefined;
}

export function readLiveSerial(letsencryptDir: string, name: string): string {
  return new X509Certificate(readFileSync(path.join(letsencryptDir, "live", name, "cert.pem"))).serialNumber.toLowerCase();
}

/** Modification time of the archive file live/<name>/cert.pem points at. */
function readCertificateSavedAt(letsencryptDir: string, name: string): number | undefined {
  try {
    return statSync(realpathSync(path.join(letsencryptDir, "live", name, "cert.pem"))).mtimeMs;
  } catch {
    return undefined;
  }
}

function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

/** Waits `ms`, or less when aborted. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return Promise.race([sleep(ms), untilAborted(signal)]);
}

/** One renewal under load, reported for the plan's first lineage (the demo renews one). */
export async function renewUnderLoad(plan: RenewalPlan): Promise<RenewalRun> {
  const { run } = await renewManyUnderLoad(plan);
  return run;
}

/**
 * A renewal of one or more lineages under load across their names: the run, each lineage's serials, and how many
 * names the clients requested.
 */
export async function renewManyUnderLoad(plan: RenewalPlan): Promise<{ run: RenewalRun; lineages: LineageUnderLoad[]; namesLoaded: number }> {
  const { load: settings, signal } = plan;
  const before = plan.names.map((name) => readLiveSerial(plan.letsencryptDir, name));
  // Serials are unique to a certificate, so the first time one is seen says which lineage's new certificate it was.
  const firstSeen = new Map<string, number>();
  const record = (sample: LoadSample): void => {
    if (sample.ok && sample.serial && !firstSeen.has(sample.serial)) firstSeen.set(sample.serial, sample.at);
  };
  let stopLoad!: () => void;
  const stopWhen = new Promise<void>((resolve) => (stopLoad = resolve));
  const watch = watchNginx(plan.nginxPidFile);
  const load = runHttpsLoad({
    port: settings.port,
    servername: settings.servername,
    ...(settings.servernames ? { servernames: settings.servernames } : {}),
    concurrency: settings.concurrency,
    pauseMs: settings.pauseMs,
    requireHeader: settings.markHeader,
    // Bounded whatever happens; the demo ends it much sooner.
    durationMs: 15 * 60_000,
    stopWhen,
    onSample: record,
  });
  let exitCode = -1;
  let renewFrom = 0;
  let renewTo = 0;
  let result: Awaited<typeof load>;
  try {
    await pause(settings.marginMs, signal);
    if (!signal.aborted) {
      renewFrom = Date.now();
      try {
        exitCode = await plan.renew();
      } finally {
        renewTo = Date.now();
      }
    }
    if (!signal.aborted) {
      const renewed = plan.names.map((name) => readLiveSerial(plan.letsencryptDir, name)).filter((serial, index) => serial !== before[index]);
      await pause(settings.marginMs, signal);
      const deadline = Date.now() + settings.servedWaitMs;
      while (renewed.some((serial) => !firstSeen.has(serial)) && Date.now() < deadline && !signal.aborted) await pause(50, signal);
    }
  } finally {
    // However the renewal ended, no client is left running.
    stopLoad();
    watch.stop();
    result = await load;
  }
  if (signal.aborted) throw new Error("interrupted");
  const lineages = plan.names.map((name, index): LineageUnderLoad => {
    const serialAfter = readLiveSerial(plan.letsencryptDir, name);
    return { name, serialBefore: before[index]!, serialAfter, newSerialServedAtMs: serialAfter === before[index] ? undefined : firstSeen.get(serialAfter) };
  });
  const first = lineages[0]!;
  const savedAt = first.serialAfter === first.serialBefore ? undefined : readCertificateSavedAt(plan.letsencryptDir, first.name);
  const run: RenewalRun = {
    exitCode,
    startedAt: result.startedAt,
    load: { durationMs: result.durationMs, ok: result.ok, failed: result.failed, outageMs: result.outageMs, errors: countErrors(result.samples) },
    timeline: binSamples(result.samples, result.durationMs),
    renewal: { fromMs: renewFrom - result.startedAt, toMs: renewTo - result.startedAt },
    nginx: watch.events.map((event) => ({ kind: event.kind, atMs: event.at - result.startedAt })),
    serialBefore: first.serialBefore,
    serialAfter: first.serialAfter,
    certificateSavedAtMs: savedAt === undefined ? undefined : Math.round(savedAt - result.startedAt),
    newSerialServedAtMs: first.newSerialServedAtMs,
  };
  return { run, lineages, namesLoaded: new Set(result.samples.map((sample) => sample.servername)).size };
}
