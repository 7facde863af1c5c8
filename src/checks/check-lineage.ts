// The clock-dependent checks on a lineage, added to the problems found in its files. Pure: `now` comes in.
import type { LineageFacts } from "../certbot/lineage.js";
import type { Problem } from "../certbot/problem.js";

const DAY_MS = 86_400_000;

export interface CheckOptions {
  now: Date;
  /** Warn when fewer days than this are left; default: less than a sixth of the certificate's lifetime. */
  warnDays?: number | undefined;
}

export function daysLeft(notAfter: string, now: Date): number {
  return Math.floor((Date.parse(notAfter) - now.getTime()) / DAY_MS);
}

export function checkLineage(facts: LineageFacts, options: CheckOptions): Problem[] {
  const problems = [...facts.fileProblems];
  if (facts.notBefore === undefined || facts.notAfter === undefined) return problems;
  const now = options.now.getTime();
  const notBefore = Date.parse(facts.notBefore);
  const notAfter = Date.parse(facts.notAfter);
  if (now < notBefore) {
    problems.push({ code: "NOT_YET_VALID", message: `not valid until ${facts.notBefore}` });
  }
  if (now > notAfter) {
    const ago = Math.floor((now - notAfter) / DAY_MS);
    problems.push({ code: "EXPIRED", message: `expired ${ago === 0 ? "today" : `${ago} day${ago === 1 ? "" : "s"} ago`} (${facts.notAfter})` });
    return problems;
  }
  const remainingMs = notAfter - now;
  const lifetimeMs = notAfter - notBefore;
  const left = Math.floor(remainingMs / DAY_MS);
  const inDays = `expires in ${left} day${left === 1 ? "" : "s"} (${facts.notAfter})`;
  if (options.warnDays !== undefined) {
    if (remainingMs < options.warnDays * DAY_MS) problems.push({ code: "EXPIRING", message: `${inDays}, fewer than --warn-days ${options.warnDays}` });
  } else if (remainingMs < lifetimeMs / 6) {
    problems.push({ code: "EXPIRING", message: `${inDays}: less than a sixth of its ${Math.round(lifetimeMs / DAY_MS)}-day lifetime left; renewal should have happened by now` });
  }
  return problems;
}
