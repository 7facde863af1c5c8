// checkLineage: the clock-dependent problems (EXPIRED, EXPIRING, NOT_YET_VALID) for a fixed `now`, on plain facts.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import { checkLineage, daysLeft } from "../../src/checks/check-lineage.js";
import type { Problem } from "../../src/certbot/problem.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

function facts(notBefore: string | undefined, notAfter: string | undefined, fileProblems: Problem[] = []): LineageFacts {
  return {
    name: "example.com",
    confPath: "/le/renewal/example.com.conf",
    paths: { cert: "/le/live/example.com/cert.pem", chain: "/le/live/example.com/chain.pem", fullchain: "/le/live/example.com/fullchain.pem", privkey: "/le/live/example.com/privkey.pem" },
    domains: ["example.com"],
    notBefore,
    notAfter,
    serial: "01",
    issuer: "CN=Test",
    keyType: "ecdsa-p256",
    fingerprint: "00",
    authenticator: "webroot",
    fileProblems,
  };
}

/** A certificate of `lifetimeDays` with `leftMs` to go at NOW. */
const lifetime = (lifetimeDays: number, leftMs: number): LineageFacts => facts(at(leftMs - lifetimeDays * DAY), at(leftMs));
const codes = (problems: Problem[]): string[] => problems.map((problem) => problem.code);

describe("checkLineage", () => {
  it("finds nothing wrong with a certificate in the first part of its life", () => {
    expect(checkLineage(lifetime(90, 60 * DAY), { now: NOW })).toEqual([]);
  });

  it("EXPIRING: less than a sixth of a 90-day lifetime (15 days) left, boundary on both sides", () => {
    expect(checkLineage(lifetime(90, 15 * DAY), { now: NOW })).toEqual([]);
    expect(checkLineage(lifetime(90, 15 * DAY - 1000), { now: NOW })).toEqual([
      { code: "EXPIRING", message: `expires in 14 days (${at(15 * DAY - 1000)}): less than a sixth of its 90-day lifetime left; renewal should have happened by now` },
    ]);
  });

  it("EXPIRING scales with the lifetime: 1 day of a 6-day certificate, 10 of a 60-day one", () => {
    expect(codes(checkLineage(lifetime(6, DAY), { now: NOW }))).toEqual([]);
    expect(checkLineage(lifetime(6, DAY - 1000), { now: NOW })).toEqual([
      { code: "EXPIRING", message: `expires in 0 days (${at(DAY - 1000)}): less than a sixth of its 6-day lifetime left; renewal should have happened by now` },
    ]);
    // A 15-day-left 45-day certificate is fine, though a 90-day one at 14 days is not.
    expect(codes(checkLineage(lifetime(45, 10 * DAY), { now: NOW }))).toEqual([]);
    expect(codes(checkLineage(lifetime(64, 10 * DAY), { now: NOW }))).toEqual(["EXPIRING"]);
  });

  it("--warn-days replaces the lifetime rule", () => {
    expect(checkLineage(lifetime(90, 29 * DAY), { now: NOW, warnDays: 30 })).toEqual([
      { code: "EXPIRING", message: `expires in 29 days (${at(29 * DAY)}), fewer than --warn-days 30` },
    ]);
    expect(codes(checkLineage(lifetime(90, 30 * DAY), { now: NOW, warnDays: 30 }))).toEqual([]);
    expect(codes(checkLineage(lifetime(90, 10 * DAY), { now: NOW, warnDays: 7 }))).toEqual([]);
    expect(codes(checkLineage(lifetime(90, 1 * DAY), { now: NOW, warnDays: 0 }))).toEqual([]);
    expect(checkLineage(lifetime(6, 2 * DAY - 1), { now: NOW, warnDays: 2 })[0]!.message).toBe(`expires in 1 day (${at(2 * DAY - 1)}), fewer than --warn-days 2`);
  });

  it("EXPIRED once now is past notAfter (notAfter itself is still valid), and no EXPIRING on top", () => {
    expect(codes(checkLineage(lifetime(90, 0), { now: NOW }))).toEqual(["EXPIRING"]);
    expect(checkLineage(lifetime(90, -1000), { now: NOW })).toEqual([{ code: "EXPIRED", message: `expired today (${at(-1000)})` }]);
    expect(checkLineage(lifetime(90, -DAY), { now: NOW, warnDays: 30 })).toEqual([{ code: "EXPIRED", message: `expired 1 day ago (${at(-DAY)})` }]);
    expect(checkLineage(lifetime(90, -40 * DAY - 1), { now: NOW })[0]!.message).toBe(`expired 40 days ago (${at(-40 * DAY - 1)})`);
  });

  it("NOT_YET_VALID before notBefore (a clock set wrong, or a certificate from the future)", () => {
    expect(checkLineage(facts(at(1000), at(90 * DAY)), { now: NOW })).toEqual([{ code: "NOT_YET_VALID", message: `not valid until ${at(1000)}` }]);
    expect(codes(checkLineage(facts(at(0), at(90 * DAY)), { now: NOW }))).toEqual([]);
  });

  it("keeps the problems found in the files, first", () => {
    const found: Problem = { code: "KEY_MISMATCH", message: "not the key" };
    expect(codes(checkLineage(facts(at(-89 * DAY), at(DAY), [found]), { now: NOW }))).toEqual(["KEY_MISMATCH", "EXPIRING"]);
  });

  it("adds no clock problems when the certificate could not be read", () => {
    const unreadable: Problem = { code: "UNREADABLE", message: "missing" };
    expect(checkLineage(facts(undefined, undefined, [unreadable]), { now: NOW })).toEqual([unreadable]);
  });

  it("does not change the facts it was given", () => {
    const given = facts(at(-89 * DAY), at(DAY), [{ code: "STANDALONE", message: "port 80" }]);
    checkLineage(given, { now: NOW });
    expect(given.fileProblems).toHaveLength(1);
  });
});

describe("daysLeft", () => {
  it("counts whole days left, rounding down, negative once expired", () => {
    expect(daysLeft(at(60 * DAY), NOW)).toBe(60);
    expect(daysLeft(at(60 * DAY - 1), NOW)).toBe(59);
    expect(daysLeft(at(0), NOW)).toBe(0);
    expect(daysLeft(at(-1), NOW)).toBe(-1);
  });
});
