// The failure budget: a lineage whose renewal failed is retried with exponential backoff and jitter, never faster than
// the CA's failed-validation limit (Let's Encrypt: 5 per host name per hour), and the next attempt is first proven
// against the staging CA. Pure: the caller brings `now` and `random`, and keeps the record in timing-state.ts.
import type { FailureRecord, TimingState } from "./timing-state.js";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** The first retry comes 7.5 to 15 minutes after a failure, then twice as late each time. */
export const BACKOFF_BASE_MS = 15 * MINUTE_MS;
/** Let's Encrypt's failed validations per account, per host name, per hour; ngcert keeps one below it. */
export const FAILED_VALIDATIONS_PER_HOUR = 5;

/** The longest wait between attempts: a twelfth of the lifetime (12 hours for 6 days), between 1 and 24 hours. */
export function backoffCapMs(lifetimeMs: number): number {
  return Math.min(24 * HOUR_MS, Math.max(HOUR_MS, lifetimeMs / 12));
}

/** The wait after the n-th failure in a row, before jitter. */
export function backoffMs(failures: number, lifetimeMs: number): number {
  return Math.min(backoffCapMs(lifetimeMs), BACKOFF_BASE_MS * 2 ** Math.max(0, failures - 1));
}

export interface FailureInput {
  now: Date;
  fingerprint: string;
  error: string;
  domains: readonly string[];
  lifetimeMs: number;
  random: () => number;
  /** Every lineage's record: the failed-validation limit counts a host name's failures across lineages. */
  others: readonly (FailureRecord | undefined)[];
}

/** Failed attempts within the hour before `now` that asked for `host`. */
function recentFor(records: readonly (FailureRecord | undefined)[], host: string, now: number): number[] {
  return records.flatMap((record) => (record && record.domains.includes(host) ? record.recent.map((time) => Date.parse(time)).filter((time) => time > now - HOUR_MS && time <= now) : []));
}

/** The record after one more failure: when the next attempt may come, and that it is proven against staging first. */
export function recordFailure(previous: FailureRecord | undefined, input: FailureInput): FailureRecord {
  const now = input.now.getTime();
  const same = previous !== undefined && previous.fingerprint === input.fingerprint ? previous : undefined;
  const count = (same?.count ?? 0) + 1;
  const delay = backoffMs(count, input.lifetimeMs);
  // Equal jitter: half the delay for sure, the other half random, so many failing lineages do not retry in step.
  let next = now + delay / 2 + Math.floor(input.random() * (delay / 2));
  const recent = [...(same?.recent ?? []).filter((time) => Date.parse(time) > now - HOUR_MS), input.now.toISOString()];
  const all = [...input.others, { ...(same ?? emptyRecord(input)), domains: [...input.domains], recent }];
  for (const host of input.domains) {
    const times = recentFor(all, host, now).sort((a, b) => a - b);
    // With FAILED_VALIDATIONS_PER_HOUR - 1 failures in the last hour, wait until the oldest is an hour old.
    const excess = times.length - (FAILED_VALIDATIONS_PER_HOUR - 2);
    if (excess > 0) next = Math.max(next, times[excess - 1]! + HOUR_MS);
  }
  return {
    fingerprint: input.fingerprint,
    count,
    first: same?.first ?? input.now.toISOString(),
    last: input.now.toISOString(),
    lastError: input.error,
    nextAttempt: new Date(next).toISOString(),
    dryRunFirst: true,
    domains: [...input.domains],
    recent,
  };
}

function emptyRecord(input: FailureInput): FailureRecord {
  return { fingerprint: input.fingerprint, count: 0, first: input.now.toISOString(), last: input.now.toISOString(), lastError: "", nextAttempt: input.now.toISOString(), dryRunFirst: false, domains: [], recent: [] };
}

/** Every lineage's failure record but `name`'s, for recordFailure's `others`. */
export function otherFailures(state: TimingState, name: string): (FailureRecord | undefined)[] {
  return Object.entries(state.lineages)
    .filter(([other]) => other !== name)
    .map(([, timing]) => timing.failures);
}
