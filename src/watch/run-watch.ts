// `ngcert watch`: re-verifies a lineage whenever live/ changes (certbot swaps symlinks, with or without ngcert's hooks),
// reloads nginx when disk and served differ, checks expiry on a timer, and reports every event. Errors are reported
// and the watcher goes on; it ends when the signal aborts.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { watch as watchFiles } from "chokidar";
import { checkLineage, daysLeft } from "../checks/check-lineage.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { checkNewVersion } from "../deploy/check-new-version.js";
import { reconcileLineage } from "../deploy/reconcile-lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { readNginxDump, type NginxDump } from "../nginx/read-nginx-dump.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { LineageDirWatchers } from "./lineage-dir-watchers.js";
import { renderMetrics, type LineageMetrics } from "./render-metrics.js";
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
  /** Resolves once the file watcher is ready (tests wait for it). */
  onReady?: () => void;
}

export async function runWatch(settings: Settings, exec: Exec, options: WatchOptions): Promise<void> {
  const liveRoot = path.join(settings.letsencryptDir, "live");
  const watcherLock = await acquireWriterLock(settings.letsencryptDir, { command: "watch", env: {}, waitMs: 0, lockName: ".ngcert-watch.lock" }).catch((error: unknown) => {
    if (error instanceof NgcertError && error.code === "LOCKED") throw new NgcertError("LOCKED", `another ngcert watch already watches ${settings.letsencryptDir}: ${error.message}`);
    throw error;
  });
  const lineages = new Map<string, LineageMetrics>();
  let lastCheck: Date | undefined;
  let lastReload: { time: Date; success: boolean } | undefined;
  const emit = (kind: WatchEventKind, name: string | undefined, details: Record<string, unknown> = {}): void => options.emit(makeEvent(options.now(), kind, name, details));

  const writeMetrics = (): void => {
    if (!options.metricsFile) return;
    try {
      mkdirSync(path.dirname(options.metricsFile), { recursive: true });
      writeFileAtomic(options.metricsFile, renderMetrics({ lineages, lastCheck, lastReload }), 0o644);
    } catch (error) {
      options.log(`cannot write ${options.metricsFile}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const remember = (facts: LineageFacts, servedMatches: boolean | undefined, extra: LineageMetrics["problems"] = []): void => {
    const now = options.now();
    lineages.set(facts.name, {
      notAfter: facts.notAfter,
      daysLeft: facts.notAfter === undefined ? undefined : daysLeft(facts.notAfter, now),
      servedMatches,
      problems: [...checkLineage(facts, { now }), ...extra],
    });
  };

  // Serialise all work: one reconcile at a time, in the order changes arrived.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (task: () => Promise<void>): void => {
    queue = queue.then(task).catch((error: unknown) => options.log(`unexpected error: ${error instanceof Error ? error.message : String(error)}`));
  };

  const reconcile = async (name: string, reason: "changed" | "check", nginx?: NginxDump, known?: LineageFacts): Promise<void> => {
    if (!existsSync(path.join(liveRoot, name))) {
      const wasKnown = lineages.delete(name);
      writeMetrics();
      if (wasKnown) emit("removed", name);
      return;
    }
    if (reason === "changed") emit("changed", name);
    // The outcome is reported once the metrics file says the same: an --on-event command may read it.
    const outcomes: Array<[WatchEventKind, Record<string, unknown>]> = [];
    const report = (kind: WatchEventKind, details: Record<string, unknown>): void => void outcomes.push([kind, details]);
    let lock;
    try {
      lock = await acquireWriterLock(settings.letsencryptDir, { command: "watch", env: options.env, waitMs: 30_000 });
    } catch (error) {
      emit("problem", name, { reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    try {
      const outcome = await reconcileLineage(settings, exec, name, { now: options.now(), rollBack: false, nginx, facts: known });
      const version = outcome.version;
      switch (outcome.status) {
        case "unused":
          remember(outcome.facts, undefined);
          if (reason === "changed") report("verified", { version, served: "unused" });
          break;
        case "already-served":
          remember(outcome.facts, true);
          if (reason === "changed") report("verified", { version, served: true });
          break;
        case "reloaded":
          remember(outcome.facts, true);
          lastReload = { time: options.now(), success: true };
          report("reloaded", { version, domains: outcome.served.map((check) => check.domain) });
          break;
        case "deferred": // only the deploy hook defers
        case "nginx-down":
          remember(outcome.facts, undefined);
          report("problem", { version, reason: "nginx is not running: the certificate on disk is not served" });
          break;
        case "refused": {
          const reloadFailed = /does not serve it after the reload|reloading nginx failed|nginx -t/.test(outcome.reason);
          if (reloadFailed) lastReload = { time: options.now(), success: false };
          remember(outcome.facts, false, [{ code: "SERVED_MISMATCH", message: outcome.reason }]);
          report("problem", { version, reason: outcome.reason, reloaded: false });
          break;
        }
      }
    } catch (error) {
      report("problem", { reason: error instanceof NgcertError ? error.message : error instanceof Error ? error.message : String(error) });
    } finally {
      lock.release();
    }
    // A quiet lineage of a full check is in the metrics file checkAll writes at its end.
    if (reason === "changed" || outcomes.length > 0) writeMetrics();
    for (const [kind, details] of outcomes) emit(kind, name, details);
  };

  const checkAll = async (): Promise<void> => {
    let all: LineageFacts[];
    try {
      all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [], cacheDir: settings.cacheDir });
    } catch (error) {
      emit("problem", undefined, { reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    for (const name of [...lineages.keys()]) {
      if (!all.some((facts) => facts.name === name)) {
        lineages.delete(name);
        emit("removed", name);
      }
    }
    // One `nginx -T` for the whole check, and the facts just collected, not both again per lineage: thousands of
    // lineages would take minutes, and a change queued behind the check would wait for all of it. When nginx -T
    // fails, each lineage reports why.
    const nginx = await readNginxDump(settings, exec).catch(() => undefined);
    for (const facts of all) {
      const problems = checkLineage(facts, { now: options.now() });
      for (const problem of problems) {
        emit(problem.code === "EXPIRING" ? "expiring" : "problem", facts.name, { code: problem.code, message: problem.message });
      }
      // A lineage that is unfit to serve was just reported; only the others are compared with what nginx serves.
      if (checkNewVersion(facts, [], options.now()).length === 0) await reconcile(facts.name, "check", nginx, facts);
      else remember(facts, undefined);
    }
    lastCheck = options.now();
    writeMetrics();
    emit("checked", undefined, { certificates: all.length });
  };

  const timers = new Map<string, NodeJS.Timeout>();
  const onPath = (file: string): void => {
    const relative = path.relative(liveRoot, file);
    const name = relative.split(path.sep)[0];
    if (!name || name === "" || name.startsWith("..") || name === "README") return;
    clearTimeout(timers.get(name));
    timers.set(
      name,
      setTimeout(() => {
        timers.delete(name);
        enqueue(() => reconcile(name, "changed"));
      }, options.debounceMs ?? 250),
    );
  };

  mkdirSync(liveRoot, { recursive: true, mode: 0o755 });
  const lineageWatchers = new LineageDirWatchers(liveRoot, (name) => onPath(path.join(liveRoot, name)), options.log);
  // chokidar watches live/ itself: lineages appearing, disappearing, renamed. Its raw fs.watch events are every change
  // and only changes (its own "add" events repeat existing entries despite ignoreInitial).
  const watcher = watchFiles(liveRoot, { ignoreInitial: true, depth: 0, followSymlinks: false, persistent: true });
  watcher.on("raw", (_event, file, details) => {
    const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
    if (watched !== liveRoot || !file) return;
    lineageWatchers.update(file);
    onPath(path.join(liveRoot, file));
  });
  await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  lineageWatchers.watchExisting();
  emit("started", undefined, { letsencryptDir: settings.letsencryptDir, intervalSeconds: Math.round(options.intervalMs / 1000) });
  options.onReady?.();
  // Each full check is scheduled an interval after the previous one finished, so checks never pile up in the queue
  // when one takes longer than the interval (thousands of lineages, a slow nginx).
  let nextCheck: NodeJS.Timeout | undefined;
  const scheduleCheck = (): void => {
    enqueue(async () => {
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
    for (const timer of timers.values()) clearTimeout(timer);
    await watcher.close();
    lineageWatchers.closeAll();
    await queue;
    watcherLock.release();
  }
}
