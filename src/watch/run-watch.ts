// `ngcert watch`: re-verifies a lineage whenever live/ changes (certbot swaps symlinks, with or without ngcert's hooks),
// brings what is on disk into service through the door when nginx serves something else, checks everything on a
// timer, and reports every event. While a certbot renewal run that ngcert's pre hook marked is in progress, it only
// checks: the run's post hook reloads once for all, and the watcher looks again when the run has ended. Errors are
// reported and the watcher goes on; it ends when the signal aborts. Each full check ends with the renewal run
// `ngcert renew` makes (renewal/renew-lineages.ts), and the watcher wakes again when the next lineage becomes due.
// The work itself is done in passes (watch-pass.ts); from a hundred lineages on, each pass runs in a short-lived child
// process (pass-process.ts), so the watcher that idles between them keeps only the metrics of each lineage.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { listLetsencryptDir } from "../certbot/list-lineages.js";
import { isRenewRunActive } from "../deploy/renew-run.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { LiveDirWatcher } from "./live-dir-watcher.js";
import { runPassProcess } from "./pass-process.js";
import { SerialQueue } from "./serial-queue.js";
import { WatchMetrics } from "./watch-metrics.js";
import type { PassOp, PassRequest } from "./watch-pass.js";
import { makeEvent, type WatchEvent, type WatchEventKind } from "./watch-event.js";

export interface WatchOptions {
  intervalMs: number;
  /** Quiet time after the last change to a lineage before it is checked, once its links agree (live-dir-watcher.ts). */
  debounceMs?: number;
  metricsFile: string | undefined;
  emit: (event: WatchEvent) => void;
  log: (line: string) => void;
  now: () => Date;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /**
   * How to run the bundled CLI as a pass process (program, arguments and pass-process.ts's WATCH_PASS_ARG); absent
   * when running from source: every pass then runs in line.
   */
  passCommand?: readonly string[] | undefined;
  /** From this many lineages on, passes run in a child process (default 100; 0: always). */
  childPassFrom?: number | undefined;
  /** Resolves once the file watcher is ready (tests wait for it). */
  onReady?: () => void;
}

/**
 * Quiet time before a changed lineage is looked at. certbot's four link swaps come within a millisecond or so of each
 * other, and a lineage whose links still disagree is waited for however long the quiet lasted.
 */
const DEBOUNCE_MS = 25;
/** How often to look whether a marked renewal run has ended. */
const RUN_POLL_MS = 1_000;
/** A renewal instant is looked at never sooner than a second from now. */
const WAKE_MIN_MS = 1_000;
/**
 * From here on a pass runs in a child: below it, reading every lineage in line costs less than starting a process, and
 * what a pass leaves in the heap is small.
 */
export const CHILD_PASS_FROM = 100;
/** The longest delay setTimeout holds: a longer one overflows to 1 ms, and the watcher would check in a busy loop. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimer {
  cancel: () => void;
}

/** Calls `callback` once `delayMs` has passed, for any delay: one longer than a timer holds is waited in steps. */
export function startLongTimer(delayMs: number, callback: () => void): LongTimer {
  let timer: NodeJS.Timeout | undefined;
  const arm = (remainingMs: number): void => {
    const stepMs = Math.min(remainingMs, MAX_TIMER_MS);
    timer = setTimeout(() => (remainingMs > stepMs ? arm(remainingMs - stepMs) : callback()), stepMs);
  };
  arm(Math.max(0, delayMs));
  return { cancel: () => clearTimeout(timer) };
}

export async function runWatch(settings: Settings, exec: Exec, options: WatchOptions): Promise<void> {
  const liveRoot = path.join(settings.letsencryptDir, "live");
  const watcherLock = await acquireWriterLock(settings.letsencryptDir, { command: "watch", env: {}, waitMs: 0, lockName: "watch.lock" }).catch((error: unknown) => {
    if (error instanceof NgcertError && error.code === "LOCKED") throw new NgcertError("LOCKED", `another ngcert watch already watches ${settings.letsencryptDir}: ${error.message}`);
    throw error;
  });
  const metrics = new WatchMetrics(options.metricsFile, options.log);
  const queue = new SerialQueue((error) => options.log(`unexpected error: ${describeError(error)}`));
  const emit = (kind: WatchEventKind, name: string | undefined, details: Record<string, unknown> = {}): void => options.emit(makeEvent(options.now(), kind, name, details));
  const childPassFrom = options.childPassFrom ?? CHILD_PASS_FROM;
  let renewalWake: LongTimer | undefined;

  /** What a pass reports, applied here as it arrives (from a child: line by line while it still runs). */
  const apply = (op: PassOp): void => {
    switch (op.op) {
      case "emit":
        return options.emit(op.event);
      case "log":
        return options.log(op.line);
      case "remember":
        return metrics.remember(op.name, op.metrics);
      case "forget":
        return void metrics.forget(op.name);
      case "write-metrics":
        return metrics.write();
      case "last-reload":
        metrics.lastReload = { time: new Date(op.time), success: op.success };
        return;
      case "last-check":
        metrics.lastCheck = new Date(op.time);
        return;
      case "recheck-after-run":
        return void recheckAfterRun(op.names);
      case "wake-at": {
        // Wake when the next lineage becomes due, unless the next full check comes first.
        renewalWake?.cancel();
        const delay = Math.max(WAKE_MIN_MS, Date.parse(op.time) - options.now().getTime());
        if (delay < options.intervalMs && !options.signal.aborted) renewalWake = startLongTimer(delay, () => queue.push(() => pass({ kind: "renew" })));
        return;
      }
    }
  };

  const lineageCount = (): number => {
    try {
      const listing = listLetsencryptDir(settings.letsencryptDir);
      return Math.max(listing.confs.length, listing.liveCandidates.length);
    } catch {
      return 0;
    }
  };

  const pass = async (request: PassRequest): Promise<void> => {
    if (request.kind !== "serve") renewalWake?.cancel();
    const known = Object.fromEntries([...metrics.lineages].map(([name, lineage]) => [name, lineage.servedMatches ?? null]));
    if (options.passCommand !== undefined && lineageCount() >= childPassFrom) {
      await runPassProcess({ settings, request, known }, { command: options.passCommand, env: options.env, signal: options.signal, now: options.now, apply, log: options.log });
    } else {
      // Loaded when first needed: a watcher whose passes all run in a child never initialises the door, the renewal run
      // and the lineage reader.
      const { runPass } = await import("./watch-pass.js");
      await runPass(request, { settings, exec, env: options.env, now: options.now, signal: options.signal, known, workerScript: undefined, apply });
    }
  };

  const recheckAfterRun = async (names: readonly string[]): Promise<void> => {
    while (!options.signal.aborted && isRenewRunActive(settings.letsencryptDir)) await sleep(RUN_POLL_MS);
    if (!options.signal.aborted) queue.push(() => pass({ kind: "serve", names: names.filter((name) => existsSync(path.join(liveRoot, name))) }));
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
      await pass({ kind: "serve", names: [name] });
    });
  };

  mkdirSync(liveRoot, { recursive: true, mode: 0o755 });
  const live = new LiveDirWatcher(liveRoot, options.debounceMs ?? DEBOUNCE_MS, onLineageChanged, options.log);
  await live.start();
  emit("started", undefined, { letsencryptDir: settings.letsencryptDir, intervalSeconds: Math.round(options.intervalMs / 1000) });
  options.onReady?.();
  // Each full check is scheduled an interval after the previous one finished, so checks never pile up in the queue
  // when one takes longer than the interval (thousands of lineages, a slow nginx).
  let nextCheck: LongTimer | undefined;
  const scheduleCheck = (): void => {
    queue.push(async () => {
      await pass({ kind: "full" });
      if (!options.signal.aborted) nextCheck = startLongTimer(options.intervalMs, scheduleCheck);
    });
  };
  scheduleCheck();

  try {
    await new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  } finally {
    nextCheck?.cancel();
    renewalWake?.cancel();
    await live.close();
    await queue.drain();
    watcherLock.release();
  }
}
