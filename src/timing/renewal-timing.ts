// When a lineage is to be renewed, and why: pure, from its facts, what ngcert remembers of it (timing-state.ts) and
// `now`. The time is the earliest of the CA's window (ARI: the instant chosen inside it) and the renewal conf's
// renew_before_expiry: the owner's value when they set one ("conf"), else the lifetime window ("lifetime"), which is
// also the value ngcert keeps in the conf, so certbot's own timer agrees. certbot 4.1 and later decide the same way.
import type { LineageFacts } from "../certbot/lineage.js";
import { instantBefore, parseRenewalInterval } from "../certbot/renewal-interval.js";
import type { Problem } from "../certbot/problem.js";
import { describeLifetime, lifetimeWindow } from "./lifetime-window.js";
import type { LineageTiming } from "./timing-state.js";

export type RenewReason = "ari" | "lifetime" | "conf";

export interface RenewalTiming {
  renewAfter: Date | undefined;
  renewReason: RenewReason | undefined;
  /** now is at or past renewAfter. */
  due: boolean;
  /** In words, for people: "a third of its 90-day lifetime left", "the CA's renewal window ...". */
  why: string;
  explanationURL: string | undefined;
  /** After failures: not before this (the failure budget). */
  nextAttempt: Date | undefined;
  lastError: string | undefined;
  failures: number;
  failingSince: Date | undefined;
  /** The next attempt must first pass a dry run against the staging CA. */
  dryRunFirst: boolean;
  problems: Problem[];
}

function dateOf(value: unknown): Date | undefined {
  if (typeof value !== "string") return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

const NONE: Omit<RenewalTiming, "why"> = {
  renewAfter: undefined,
  renewReason: undefined,
  due: false,
  explanationURL: undefined,
  nextAttempt: undefined,
  lastError: undefined,
  failures: 0,
  failingSince: undefined,
  dryRunFirst: false,
  problems: [],
};

export function judgeRenewalTiming(facts: LineageFacts, record: LineageTiming | undefined, now: Date): RenewalTiming {
  const notBefore = dateOf(facts.notBefore);
  const notAfter = dateOf(facts.notAfter);
  if (notBefore === undefined || notAfter === undefined) return { ...NONE, why: "its certificate cannot be read" };
  if (facts.confPath === undefined || facts.fileProblems.some((problem) => problem.code === "RENEWAL_CONF_INVALID")) return { ...NONE, why: "certbot cannot renew it: its renewal conf is missing or invalid" };
  const window = lifetimeWindow(notBefore, notAfter);

  let renewAfter = window.renewAfter;
  let renewReason: RenewReason = "lifetime";
  let why = window.why;
  const own = facts.renewBeforeExpiry;
  if (own !== undefined && !own.byNgcert) {
    const interval = own.isList ? undefined : parseRenewalInterval(own.value);
    renewReason = "conf";
    if (interval) {
      renewAfter = instantBefore(notAfter, interval);
      why = `renew_before_expiry = ${own.value} in its renewal conf`;
    } else {
      // certbot reads a value it cannot parse as no time at all: due only once expired.
      renewAfter = notAfter;
      why = `renew_before_expiry = ${own.value} in its renewal conf, which is not an interval ngcert can read`;
    }
  }

  let explanationURL: string | undefined;
  const ari = record?.ari;
  if (ari && ari.fingerprint === facts.fingerprint) {
    explanationURL = typeof ari.explanationURL === "string" ? ari.explanationURL : undefined;
    const chosen = dateOf(ari.chosen);
    const start = dateOf(ari.window?.start);
    const end = dateOf(ari.window?.end);
    if (chosen !== undefined && start !== undefined && end !== undefined && chosen.getTime() < renewAfter.getTime()) {
      renewAfter = chosen;
      renewReason = "ari";
      why = `${ari.movedEarlier ? "the CA moved its renewal window earlier" : "the CA's renewal window"} (${start.toISOString()} to ${end.toISOString()}; instant chosen inside it)`;
    }
  }

  const failures = record?.failures && record.failures.fingerprint === facts.fingerprint ? record.failures : undefined;
  const failingSince = dateOf(failures?.first);
  const problems: Problem[] = [];
  if (failures && failingSince !== undefined && now.getTime() - failingSince.getTime() > window.lifetimeMs / 3) {
    problems.push({
      code: "EXPIRING",
      message: `renewal has failed since ${failingSince.toISOString()} (${failures.count} attempt${failures.count === 1 ? "" : "s"}, longer than a third of its ${describeLifetime(window.lifetimeMs)} lifetime); last error: ${failures.lastError}`,
    });
  }
  return {
    renewAfter,
    renewReason,
    due: now.getTime() >= renewAfter.getTime(),
    why,
    explanationURL,
    nextAttempt: dateOf(failures?.nextAttempt),
    lastError: failures?.lastError,
    failures: failures?.count ?? 0,
    failingSince,
    dryRunFirst: failures?.dryRunFirst === true,
    problems,
  };
}
