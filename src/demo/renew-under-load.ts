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
  concurrency: number;
  pauseMs: number;
  /** A response counts as served only with this header (the upstream's, not an nginx error page). */
  markHeader: string;
  /** How long the load runs before the renewal starts and, at least, after it ends. */
  marginMs: number;
  /** After the margin, how much longer the load may wait for the new certificate to be served. */
  servedWaitMs: number;
}

export interface RenewalPlan {
  load: LoadSettings;
  letsencryptDir: string;
  /** The lineage renewed. */
  name: string;
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

export async function renewUnderLoad(plan: RenewalPlan): Promise<RenewalRun> {
  const { load: settings, signal } = plan;
  const serialBefore = readLiveSerial(plan.letsencryptDir, plan.name);
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
      const renewed = readLiveSerial(plan.letsencryptDir, plan.name);
      await pause(settings.marginMs, signal);
      const deadline = Date.now() + settings.servedWaitMs;
      while (renewed !== serialBefore && !firstSeen.has(renewed) && Date.now() < deadline && !signal.aborted) await pause(50, signal);
    }
  } finally {
    // However the renewal ended, no client is left running.
    stopLoad();
    watch.stop();
    result = await load;
  }
  if (signal.aborted) throw new Error("interrupted");
  const serialAfter = readLiveSerial(plan.letsencryptDir, plan.name);
  const savedAt = serialAfter === serialBefore ? undefined : readCertificateSavedAt(plan.letsencryptDir, plan.name);
  const errors = countErrors(result.samples);
  return {
    exitCode,
    startedAt: result.startedAt,
    load: { durationMs: result.durationMs, ok: result.ok, failed: result.failed, outageMs: result.outageMs, errors },
    timeline: binSamples(result.samples, result.durationMs),
    renewal: { fromMs: renewFrom - result.startedAt, toMs: renewTo - result.startedAt },
    nginx: watch.events.map((event) => ({ kind: event.kind, atMs: event.at - result.startedAt })),
    serialBefore,
    serialAfter,
    certificateSavedAtMs: savedAt === undefined ? undefined : Math.round(savedAt - result.startedAt),
    newSerialServedAtMs: serialAfter === serialBefore ? undefined : firstSeen.get(serialAfter),
  };
}
