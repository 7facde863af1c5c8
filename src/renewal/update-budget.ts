// After a renewal run: a renewed lineage starts afresh, a failed or refused one is held back by the failure budget
// (timing/failure-budget.ts); and the first instant after now at which anything becomes due, for the watcher's next look.
import type { LineageFacts } from "../certbot/lineage.js";
import { otherFailures, recordFailure } from "../timing/failure-budget.js";
import { lifetimeWindow } from "../timing/lifetime-window.js";
import { judgeRenewalTiming } from "../timing/renewal-timing.js";
import type { TimingState } from "../timing/timing-state.js";

/** What a run did with one lineage, as far as the budget cares. */
export interface Outcome {
  name: string;
  status: string;
  reason?: string | undefined;
}

/** A renewed lineage starts afresh; a failed or refused one is held back (timing/failure-budget.ts). */
export function updateBudget(state: TimingState, results: readonly Outcome[], before: readonly LineageFacts[], attempted: ReadonlySet<string>, busy: ReadonlySet<string>, now: Date, random: () => number): void {
  for (const result of results) {
    const timing = state.lineages[result.name];
    if (result.status.startsWith("renewed")) {
      if (timing) delete timing.failures;
      continue;
    }
    if (!attempted.has(result.name) || busy.has(result.name) || (result.status !== "failed" && result.status !== "refused")) continue;
    const facts = before.find((candidate) => candidate.name === result.name);
    if (facts?.fingerprint === undefined || facts.notBefore === undefined || facts.notAfter === undefined) continue;
    const entry = (state.lineages[result.name] ??= {});
    entry.failures = recordFailure(entry.failures, {
      now,
      fingerprint: facts.fingerprint,
      error: (result.reason ?? result.status).split("\n").join("; "),
      domains: facts.domains,
      lifetimeMs: lifetimeWindow(new Date(facts.notBefore), new Date(facts.notAfter)).lifetimeMs,
      random,
      others: otherFailures(state, result.name),
    });
  }
}

/** The first instant after `now` when a lineage becomes due, may be tried again, or its CA may be asked again. */
export function nextWake(all: readonly LineageFacts[], state: TimingState, now: Date): Date | undefined {
  let next: number | undefined;
  const consider = (time: number | undefined): void => {
    if (time !== undefined && !Number.isNaN(time) && time > now.getTime() && (next === undefined || time < next)) next = time;
  };
  for (const facts of all) {
    const timing = judgeRenewalTiming(facts, state.lineages[facts.name], now);
    consider(timing.renewAfter?.getTime());
    consider(timing.nextAttempt?.getTime());
    const ari = state.lineages[facts.name]?.ari;
    if (ari) consider(Date.parse(ari.nextCheck));
  }
  return next === undefined ? undefined : new Date(next);
}
