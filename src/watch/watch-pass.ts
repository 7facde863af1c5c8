// One piece of the watcher's work — the full check, serving lineages that changed, or the renewal step — written
// against a sink of small operations (an event, what the metrics say of a lineage, when to wake), so that the same code
// runs inside the watcher or, at hosting scale, in a short-lived child process whose memory (every lineage read, the
// nginx dump, thousands of handshakes) goes back to the system when it exits (watch/pass-process.ts). A pass keeps
// nothing: what the watcher remembers between passes is what the operations told it.
import path from "node:path";
import { findLineageByLiveDir } from "../certbot/find-lineage.js";
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
import { readTimingState, type LineageTiming } from "../timing/timing-state.js";
import type { LineageMetrics } from "./render-metrics.js";
import { reactToLineage } from "./service-events.js";
import { makeEvent, type WatchEvent, type WatchEventKind } from "./watch-event.js";
import { describeLineageMetrics } from "./watch-metrics.js";

export type PassRequest = { kind: "full" } | { kind: "serve"; names: string[] } | { kind: "renew" };

export type PassOp =
  | { op: "emit"; event: WatchEvent }
  | { op: "log"; line: string }
  | { op: "remember"; name: string; metrics: LineageMetrics }
  | { op: "forget"; name: string }
  | { op: "write-metrics" }
  | { op: "last-reload"; time: string; success: boolean }
  | { op: "last-check"; time: string }
  /** A certbot run marked by ngcert's pre hook was in progress: serve these again once it has ended. */
  | { op: "recheck-after-run"; names: string[] }
  /** The next lineage becomes due then (margin included): run the renewal step again, unless a full check comes first. */
  | { op: "wake-at"; time: string };

export interface PassContext {
  settings: Settings;
  exec: Exec;
  env: Record<string, string | undefined>;
  now: () => Date;
  signal: AbortSignal;
  /** What the metrics say of each lineage the watcher knows: does nginx serve what is on disk (null: not known). */
  known: Readonly<Record<string, boolean | null>>;
  /**
   * The bundled CLI, to read lineages on reader threads (see Context.workerScript); undefined: read in line, which a
   * watcher of fewer than a hundred lineages does, since starting a thread costs more than reading them.
   */
  workerScript: string | undefined;
  apply: (op: PassOp) => void;
}

/** How long a writer lock is waited for per try. */
const LOCK_WAIT_MS = 30_000;
/** A renewal instant is looked at this long after it passed. */
const WAKE_MARGIN_MS = 250;

export async function runPass(request: PassRequest, context: PassContext): Promise<void> {
  const pass = new Pass(context);
  if (request.kind === "full") await pass.checkAll();
  else if (request.kind === "serve") await pass.serve(request.names, false);
  else await pass.renewDue();
}

class Pass {
  private timing: Readonly<Record<string, LineageTiming>>;

  constructor(private readonly context: PassContext) {
    this.timing = readTimingState(context.settings.letsencryptDir).lineages;
  }

  private emit(kind: WatchEventKind, name: string | undefined, details: Record<string, unknown> = {}): void {
    this.context.apply({ op: "emit", event: makeEvent(this.context.now(), kind, name, details) });
  }

  private readOptions(): { workerScript: string | undefined; alwaysInThreads: boolean } {
    return { workerScript: this.context.workerScript, alwaysInThreads: this.context.workerScript !== undefined };
  }

  /** The writer lock, waited for as long as it takes: a renewal holding it is normal, not a problem to announce. */
  private async takeWriterLock(): Promise<WriterLock | undefined> {
    const { settings, env, signal } = this.context;
    while (!signal.aborted) {
      try {
        return await acquireWriterLock(settings.letsencryptDir, { command: "watch", env, waitMs: LOCK_WAIT_MS });
      } catch (error) {
        if (!(error instanceof NgcertError) || error.code !== "LOCKED") throw error;
        this.context.apply({ op: "log", line: `waiting for the writer lock: ${error.message}` });
      }
    }
    return undefined;
  }

  /**
   * One pass through the door for the lineages of the live/ directories in `changedDirs` (or every lineage nginx uses
   * when empty), then events and metrics.
   */
  async serve(changedDirs: readonly string[], fullCheck: boolean): Promise<void> {
    const { settings, exec, now, apply } = this.context;
    const lock = await this.takeWriterLock();
    if (!lock) return;
    let deferred = false;
    // A lineage is named by its renewal conf; a renamed one keeps its files in live/<old name>/ (as certbot leaves
    // them), so the watcher's directory name is not always the lineage's. A directory no conf points into (a
    // lineage being set up) keeps its own name.
    const changed = changedDirs.map((dir) => lineageOfLiveDir(settings.letsencryptDir, dir));
    try {
      deferred = isRenewRunActive(settings.letsencryptDir);
      const outcome = await bringIntoService(settings, exec, {
        by: "watch",
        now: now(),
        configChanged: false,
        focus: changed.map((name) => ({ name })),
        verifyOnly: deferred,
        workerScript: this.context.workerScript,
      });
      for (const line of outcome.repaired) apply({ op: "log", line });
      if (outcome.reload.status === "reloaded") apply({ op: "last-reload", time: now().toISOString(), success: outcome.lineages.every((lineage) => lineage.status !== "refused" && lineage.status !== "not-served") });
      if (outcome.reload.status === "failed") apply({ op: "last-reload", time: now().toISOString(), success: false });
      const pending: [WatchEventKind, string, Record<string, unknown>][] = [];
      for (const lineage of outcome.lineages) {
        const reaction = reactToLineage(lineage, outcome.reload, changed.includes(lineage.name));
        if (lineage.facts) apply({ op: "remember", name: lineage.name, metrics: describeLineageMetrics(lineage.facts, this.timing[lineage.name], now(), reaction.servedMatches, reaction.extraProblems) });
        if (reaction.event) pending.push([reaction.event.kind, lineage.name, reaction.event.details]);
      }
      // A refused version was rolled back: the metrics describe what live/ holds now, not what was refused.
      const rolledBack = outcome.lineages.filter((lineage) => lineage.rollback?.rolledBack === true).map((lineage) => lineage.name);
      if (rolledBack.length > 0) {
        for (const facts of await collectFacts({ letsencryptDir: settings.letsencryptDir, names: rolledBack, ...this.readOptions() })) {
          apply({ op: "remember", name: facts.name, metrics: describeLineageMetrics(facts, this.timing[facts.name], now(), undefined) });
        }
      }
      if (outcome.reload.status === "blocked" && outcome.lineages.every((lineage) => lineage.status !== "waiting")) pending.push(["problem", "", { reason: outcome.reload.reason }]);
      // The outcome is reported once the metrics file says the same: an --on-event command may read it.
      if (!fullCheck) apply({ op: "write-metrics" });
      for (const [kind, name, details] of pending) this.emit(kind, name === "" ? undefined : name, details);
    } catch (error) {
      this.emit("problem", changed.length === 1 ? changed[0] : undefined, { reason: describeError(error) });
    } finally {
      lock.release();
    }
    if (deferred && changedDirs.length > 0) apply({ op: "recheck-after-run", names: [...changedDirs] });
  }

  /**
   * Renews what is due by ngcert's judgement, exactly as `ngcert renew` does (renewal/renew-lineages.ts): the CA's
   * window (asked on this timer), the lifetime window, the owner's renew_before_expiry, the failure budget.
   */
  async renewDue(): Promise<void> {
    const { settings, exec, env, now, apply } = this.context;
    const lock = await this.takeWriterLock();
    if (!lock) return;
    let summary;
    try {
      summary = await renewLineages(settings, exec, { mode: "due", certName: undefined, env, lockEnv: lock.env, showProgress: false, now, settleAlways: false, workerScript: this.readOptions().workerScript });
    } catch (error) {
      this.emit("problem", undefined, { reason: `renewal: ${describeError(error)}` });
      return;
    } finally {
      lock.release();
    }
    this.timing = readTimingState(settings.letsencryptDir).lineages;
    for (const line of describeConfSync(summary.confs)) apply({ op: "log", line });
    for (const note of summary.ari?.notes ?? []) {
      if (note.name === "") apply({ op: "log", line: describeAriNote(note) });
      else this.emit("renewal-info", note.name, { message: note.message, ...(note.explanationURL ? { explanationURL: note.explanationURL } : {}) });
    }
    for (const lineage of summary.lineages) {
      if (lineage.status === "not-due" || lineage.status === "backoff") continue;
      const details = { renewal: lineage.status, ...(lineage.reason ? { reason: lineage.reason } : {}), ...(lineage.trigger ? { trigger: lineage.trigger.reason, why: lineage.trigger.why } : {}), ...(lineage.trigger?.explanationURL ? { explanationURL: lineage.trigger.explanationURL } : {}) };
      this.emit(lineage.status === "renewed-served" || lineage.status === "renewed-unused" ? "renewed" : "problem", lineage.name, details);
    }
    if (summary.nextWake !== undefined) apply({ op: "wake-at", time: new Date(summary.nextWake.getTime() + WAKE_MARGIN_MS).toISOString() });
  }

  /** Expiry and served-vs-disk for every lineage, then the renewal step. */
  async checkAll(): Promise<void> {
    const { settings, now, apply, known } = this.context;
    let all;
    try {
      all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [], cacheDir: settings.cacheDir, ...this.readOptions() });
    } catch (error) {
      this.emit("problem", undefined, { reason: describeError(error) });
      return;
    }
    const present = new Set(all.map((facts) => facts.name));
    for (const name of Object.keys(known)) {
      if (!present.has(name)) {
        apply({ op: "forget", name });
        this.emit("removed", name);
      }
    }
    for (const facts of all) {
      apply({ op: "remember", name: facts.name, metrics: describeLineageMetrics(facts, this.timing[facts.name], now(), known[facts.name] ?? undefined) });
      for (const problem of [...checkLineage(facts, { now: now() }), ...judgeRenewalTiming(facts, this.timing[facts.name], now()).problems]) {
        this.emit(problem.code === "EXPIRING" ? "expiring" : "problem", facts.name, { code: problem.code, message: problem.message });
      }
    }
    const count = all.length;
    // Let the lineages go before the door reads them all again.
    all = undefined;
    await this.serve([], true);
    apply({ op: "last-check", time: now().toISOString() });
    apply({ op: "write-metrics" });
    this.emit("checked", undefined, { certificates: count });
    await this.renewDue();
  }
}

/** The lineage whose conf points into live/<dir>, else `dir`; a tree that cannot be read is the pass's to report. */
function lineageOfLiveDir(letsencryptDir: string, dir: string): string {
  try {
    return findLineageByLiveDir(letsencryptDir, path.join(letsencryptDir, "live", dir)) ?? dir;
  } catch {
    return dir;
  }
}
