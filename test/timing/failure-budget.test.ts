// The failure budget over a sequence of failures: exponential backoff with equal jitter, capped by the lifetime,
// never more than four failed attempts per host name in any hour (Let's Encrypt allows five), counted across
// lineages, and a dry run against the staging CA before production is asked again.
import { describe, expect, it } from "vitest";
import { BACKOFF_BASE_MS, backoffCapMs, recordFailure, type FailureInput } from "../../src/timing/failure-budget.js";
import type { FailureRecord } from "../../src/timing/timing-state.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse("2026-06-01T00:00:00Z");

function input(now: number, overrides: Partial<FailureInput> = {}): FailureInput {
  return { now: new Date(now), fingerprint: "f1", error: "unauthorized", domains: ["a.example"], lifetimeMs: 90 * DAY, random: () => 0, others: [], ...overrides };
}

/** Fails at every attempt the budget allows, from T0; returns the attempt times (ms after T0). */
function failRepeatedly(times: number, overrides: Partial<FailureInput> = {}): { attempts: number[]; records: FailureRecord[] } {
  const attempts: number[] = [];
  const records: FailureRecord[] = [];
  let record: FailureRecord | undefined;
  let now = T0;
  for (let i = 0; i < times; i++) {
    attempts.push(now - T0);
    record = recordFailure(record, input(now, overrides));
    records.push(record);
    now = Date.parse(record.nextAttempt);
  }
  return { attempts, records };
}

describe("recordFailure", () => {
  it("doubles the wait after each failure, from 15 minutes, up to a day for a 90-day certificate", () => {
    const { attempts, records } = failRepeatedly(10, { random: () => 0.999999 });
    const gaps = attempts.slice(1).map((time, i) => time - attempts[i]!);
    expect(gaps.map((gap) => Math.round(gap / MIN))).toEqual([15, 30, 60, 120, 240, 480, 960, 1440, 1440]);
    expect(records.at(-1)).toMatchObject({ count: 10, first: "2026-06-01T00:00:00.000Z", lastError: "unauthorized", dryRunFirst: true });
  });

  it("jitters each wait between half and all of it", () => {
    const low = failRepeatedly(4, { random: () => 0 }).attempts;
    expect(low.slice(1).map((time, i) => (time - low[i]!) / MIN)).toEqual([7.5, 15, 30]);
    for (const value of [0.1, 0.37, 0.82]) {
      const record = recordFailure(undefined, input(T0, { random: () => value }));
      const wait = Date.parse(record.nextAttempt) - T0;
      expect(wait).toBeGreaterThanOrEqual(BACKOFF_BASE_MS / 2);
      expect(wait).toBeLessThan(BACKOFF_BASE_MS);
    }
  });

  it("caps the wait at a twelfth of a short lifetime (12 hours for 6 days)", () => {
    expect(backoffCapMs(6 * DAY)).toBe(12 * HOUR);
    expect(backoffCapMs(2 * HOUR)).toBe(HOUR);
    const gaps = failRepeatedly(9, { random: () => 0.999999, lifetimeMs: 6 * DAY }).attempts;
    expect(Math.round((gaps[8]! - gaps[7]!) / MIN)).toBe(12 * 60);
  });

  it("never lets a host name fail five times within an hour, whatever the jitter", () => {
    for (const random of [() => 0, () => 0.5, () => 0.999999]) {
      const { attempts } = failRepeatedly(12, { random });
      for (const start of attempts) expect(attempts.filter((time) => time >= start && time < start + HOUR).length).toBeLessThanOrEqual(4);
    }
  });

  it("counts a host name's failures across lineages", () => {
    // Another lineage with the same name failed three times in the last 40 minutes.
    const other: FailureRecord = {
      fingerprint: "f2", count: 3, first: "", last: "", lastError: "", nextAttempt: "", dryRunFirst: true, domains: ["www.a.example", "a.example"],
      recent: [T0 - 40 * MIN, T0 - 30 * MIN, T0 - 20 * MIN].map((time) => new Date(time).toISOString()),
    };
    const record = recordFailure(undefined, input(T0, { others: [other] }));
    // Four failures for a.example in the hour: the next attempt waits until the oldest is an hour old.
    expect(record.nextAttempt).toBe(new Date(T0 + 20 * MIN).toISOString());
    const unrelated = recordFailure(undefined, input(T0, { others: [{ ...other, domains: ["b.example"] }] }));
    expect(unrelated.nextAttempt).toBe(new Date(T0 + 7.5 * MIN).toISOString());
  });

  it("starts over for a new certificate", () => {
    const first = recordFailure(undefined, input(T0));
    const again = recordFailure(first, input(T0 + HOUR, { fingerprint: "f-renewed-elsewhere" }));
    expect(again).toMatchObject({ count: 1, first: new Date(T0 + HOUR).toISOString() });
  });
});
