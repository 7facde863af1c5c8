// `ngcert watch`: re-verifies a lineage whenever live/ changes (certbot swaps symlinks, with or without ngcert's hooks),
// brings what is on disk into service through the door when nginx serves something else, checks everything on a
// timer, and reports every event. While a certbot renewal run that ngcert's pre hook marked is in progress, it only
// checks: the run's post hook reloads once for all, and the watcher looks again when the run has ended. Errors are
// reported and the watcher goes on; it ends when the signal aborts. Each full check ends with the renewal run
// `ngcert renew` makes (renewal/renew-lineages.ts), and the watcher wakes again when the next lineage becomes due.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { checkLineage } from "../checks/check-lineage.js";
import { bringIntoService } from "../deploy/bring-into-service.js";
import { isRenewRunActive } from "../deploy/renew-run.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import { acquireWriterLock, type WriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { describeAriNote, describeConfSync } from "../renewal/describe-renewal.js";
import { renewLineages } from "../renewal/renew-lineages.js";
import { collectFacts } from "../status/collect-status.js";
import { judgeRenewalTiming } from "../timing/renewal-timing.js";
import { readTimingState } from "../timing/timing-state.js";
import { LiveDirWatcher } from "./live-dir-watcher.js";
import { SerialQueue } from "./serial-queue.js";
import { reactToLineage } from "./service-events.js";
import { WatchMetrics } from "./watch-metrics.js";
import { makeEvent, type WatchEvent, type WatchEventKind } from "./watch-event.js";

export interface WatchOptions {
  intervalMs: number;
  /** Quiet time after the last change to a lineage before it is checked: certbot swaps four links in a row. */
  debounceMs?: number;
  metricsFile: string | undefined;
  emit: (event: WatchEvent) => void;
  log: (line: string) => void;
  now: () => Date;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** The bundled CLI, to read lineages on reader threads; absent when running from source (read in line). */
  workerScript?: string | undefined;
  /** Resolves once the file watcher is ready (tests wait for it). */
  onReady?: () => void;
}

/** How often to look whether a marked renewal run has ended, and how long a writer lock is waited for per try. */
const RUN_POLL_MS = 1_000;
const LOCK_WAIT_MS = 30_000;
/** A renewal instant is looked at this long after it passed, never sooner than a second from now. */
const WAKE_MARGIN_MS = 250;
const WAKE_MIN_MS = 1_000;

export async function runWatch(settings: Settings, exec: Exec, options: WatchOptions): Promise<void> {
  const liveRoot = path.join(settings.letsencryptDir, "live");
  const watcherLock = await acquireWriterLock(settings.letsencryptDir, { command: "watch", env: {}, waitMs: 0, lockName: "watch.lock" }).catch((error: unknown) => {
    if (error instanceof NgcertError && error.code === "LOCKED") throw new NgcertError("LOCKED", `another ngcert watch already watches ${settings.letsencryptDir}: ${error.message}`);
    throw error;
  });
  const metrics = new WatchMetrics(options.metricsFile, options.log);
  const queue = new SerialQueue((error) => options.log(`unexpected error: ${describeError(error)}`));
  const emit = (kind: WatchEventKind, name: string | undefined, details: Record<string, unknown> = {}): void => options.emit(makeEvent(options.now(), kind, name, details));

  /** The writer lock, waited for as long as it takes: a renewal holding it is normal, not a problem to announce. */
  const takeWriterLock = async (): Promise<WriterLock | undefined> => {
    while (!options.signal.aborted) {
      try {
        return await acquireWriterLock(settings.letsencryptDir, { command: "watch", env: options.env, waitMs: LOCK_WAIT_MS });
      } catch (error) {
        if (!(error instanceof NgcertError) || error.code !== "LOCKED") throw error;
        options.log(`waiting for the writer lock: ${error.message}`);
      }
    }
    return undefined;
  };

  /** One pass through the door for `changed` (or every lineage nginx uses when empty), then events and metrics. */
  const serve = async (changed: readonly string[], fullCheck: boolean): Promise<void> => {
    const lock = await takeWriterLock();
    if (!lock) return;
    let deferred = false;
    try {
      deferred = isRenewRunActive(settings.letsencryptDir);
      const outcome = await bringIntoService(settings, exec, {
        by: "watch",
        now: options.now(),
        configChanged: false,
        focus: changed.map((name) => ({ name })),
        verifyOnly: deferred,
        workerScript: options.workerScript,
      });
      for (const line of outcome.repaired) options.log(line);
      if (outcome.reload.status === "reloaded") metrics.lastReload = { time: options.now(), success: outcome.lineages.every((lineage) => lineage.status !== "refused" && lineage.status !== "not-served") };
      if (outcome.reload.status === "failed") metrics.lastReload = { time: options.now(), success: false };
      const pending: [WatchEventKind, string, Record<string, unknown>][] = [];
      for (const lineage of outcome.lineages) {
        const reaction = reactToLineage(lineage, outcome.reload, changed.includes(lineage.name));
        if (lineage.facts) metrics.remember(lineage.facts, options.now(), reaction.servedMatches, reaction.extraProblems);
        if (reaction.event) pending.push([reaction.event.kind, lineage.name, reaction.event.details]);
      }
      // A refused version was rolled back: the metrics describe what live/ holds now, not what was refused.
      const rolledBack = outcome.lineages.filter((lineage) => lineage.rollback?.rolledBack === true).map((lineage) => lineage.name);
      if (rolledBack.length > 0) {
        for (const facts of await collectFacts({ letsencryptDir: settings.letsencryptDir, names: rolledBack, workerScript: options.workerScript, alwaysInThreads: options.workerScript !== undefined })) {
          metrics.remember(facts, options.now(), undefined);
        }
      }
      if (outcome.reload.status === "blocked" && outcome.lineages.every((lineage) => lineage.status !== "waiting")) pending.push(["problem", "", { reason: outcome.reload.reason }]);
      // The outcome is reported once the metrics file says the same: an --on-event command may read it.
      if (!fullCheck) metrics.write();
      for (const [kind, name, details] of pending) emit(kind, name === "" ? undefined : name, details);
    } catch (error) {
      emit("problem", changed.length === 1 ? changed[0] : undefined, { reason: describeError(error) });
    } finally {
      lock.release();
    }
    // The run's post hook reloads; once the run has ended, look again at what it was to bring into service.
    if (deferred && changed.length > 0) void recheckAfterRun(changed);
  };

  const recheckAfterRun = async (names: readonly string[]): Promise<void> => {
    while (!options.signal.aborted && isRenewRunActive(settings.letsencryptDir)) await sleep(RUN_POLL_MS);
    if (!options.signal.aborted) queue.push(() => serve(names.filter((name) => existsSync(path.join(liveRoot, name))), false));
  };

  const onLineageChanged = (name: string): void => {
    queue.push(async () => {
      if (!existsSync(path.join(liveRoot, name))) {
        if (metrics.forget(name)) {
          metrics.write();
          emit("removed", name);
        }
        return;
      }
      emit("changed", name);
      await serve([name], false);
    });
  };

  /**
   * Renews what is due by ngcert's judgement, exactly as `ngcert renew` does (renewal/renew-lineages.ts): the CA's
   * window (asked on this timer), the lifetime window, the owner's renew_before_expiry, the failure budget.
   */
  let renewalWake: NodeJS.Timeout | undefined;
  const renewDue = async (): Promise<void> => {
    clearTimeout(renewalWake);
    const lock = await takeWriterLock();
    if (!lock) return;
    let summary;
    try {
      summary = await renewLineages(settings, exec, { mode: "due", certName: undefined, env: options.env, lockEnv: lock.env, showProgress: false, now: options.now, settleAlways: false, workerScript: options.workerScript });
    } catch (error) {
      emit("problem", undefined, { reason: `renewal: ${describeError(error)}` });
      return;
    } finally {
      lock.release();
    }
    metrics.timing = readTimingState(settings.letsencryptDir).lineages;
    for (const line of describeConfSync(summary.confs)) options.log(line);
    for (const note of summary.ari?.notes ?? []) {
      if (note.name === "") options.log(describeAriNote(note));
      else emit("renewal-info", note.name, { message: note.message, ...(note.explanationURL ? { explanationURL: note.explanationURL } : {}) });
    }
    for (const lineage of summary.lineages) {
      if (lineage.status === "not-due" || lineage.status === "backoff") continue;
      const details = { renewal: lineage.status, ...(lineage.reason ? { reason: lineage.reason } : {}), ...(lineage.trigger ? { trigger: lineage.trigger.reason, why: lineage.trigger.why } : {}), ...(lineage.trigger?.explanationURL ? { explanationURL: lineage.trigger.explanationURL } : {}) };
      emit(lineage.status === "renewed-served" || lineage.status === "renewed-unused" ? "renewed" : "problem", lineage.name, details);
    }
    // Wake when the next lineage becomes due, unless the next full check comes first.
    if (summary.nextWake !== undefined && !options.signal.aborted) {
      const delay = Math.max(WAKE_MIN_MS, summary.nextWake.getTime() - options.now().getTime() + WAKE_MARGIN_MS);
      if (delay < options.intervalMs) renewalWake = setTimeout(() => queue.push(renewDue), delay);
    }
  };

  const checkAll = async (): Promise<void> => {
    let all;
    try {
      all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [], cacheDir: settings.cacheDir, workerScript: options.workerScript, alwaysInThreads: options.workerScript !== undefined });
    } catch (error) {
      emit("problem", undefined, { reason: describeError(error) });
      return;
    }
    for (const name of [...metrics.lineages.keys()]) {
      if (!all.some((facts) => facts.name === name) && metrics.forget(name)) emit("removed", name);
    }
    metrics.timing = readTimingState(settings.letsencryptDir).lineages;
    for (const facts of all) {
      metrics.remember(facts, options.now(), metrics.lineages.get(facts.name)?.servedMatches);
      for (const problem of [...checkLineage(facts, { now: options.now() }), ...judgeRenewalTiming(facts, metrics.timing[facts.name], options.now()).problems]) {
        emit(problem.code === "EXPIRING" ? "expiring" : "problem", facts.name, { code: problem.code, message: problem.message });
      }
    }
    await serve([], true);
    metrics.lastCheck = options.now();
    metrics.write();
    emit("checked", undefined, { certificates: all.length });
    await renewDue();
  };

  mkdirSync(liveRoot, { recursive: true, mode: 0o755 });
  const live = new LiveDirWatcher(liveRoot, options.debounceMs ?? 250, onLineageChanged, options.log);
  await live.start();
  emit("started", undefined, { letsencryptDir: settings.letsencryptDir, intervalSeconds: Math.round(options.intervalMs / 1000) });
  options.onReady?.();
  // Each full check is scheduled an interval after the previous one finished, so checks never pile up in the queue
  // when one takes longer than the interval (thousands of lineages, a slow nginx).
  let nextCheck: NodeJS.Timeout | undefined;
  const scheduleCheck = (): void => {
    queue.push(async () => {
      await checkAll();
      if (!options.signal.aborted) nextCheck = setTimeout(scheduleCheck, options.intervalMs);
    });
  };
  scheduleCheck();

  try {
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    clearTimeout(nextCheck);
    clearTimeout(renewalWake);
    await live.close();
    await queue.drain();
    watcherLock.release();
  }
}
