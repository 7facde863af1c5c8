// The renewal time of a lineage from its facts, ngcert's record of it and `now`: the lifetime window, the owner's
// renew_before_expiry, the CA's window when it comes earlier, the failure budget, and EXPIRING for a lineage that has
// been failing for longer than a third of its lifetime.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import { judgeRenewalTiming } from "../../src/timing/renewal-timing.js";
import type { AriRecord, LineageTiming } from "../../src/timing/timing-state.js";

const DAY = 86_400_000;
const NOT_BEFORE = "2026-06-01T00:00:00.000Z";
const NOT_AFTER = "2026-08-30T00:00:00.000Z"; // 90 days
const at = (iso: string): Date => new Date(iso);

function facts(overrides: Partial<LineageFacts> = {}): LineageFacts {
  return {
    name: "a.example",
    confPath: "/etc/letsencrypt/renewal/a.example.conf",
    paths: { cert: "/c", chain: "/ch", fullchain: "/f", privkey: "/k" },
    domains: ["a.example"],
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    serial: "01",
    issuer: "CN=R11",
    keyType: "ecdsa-p256",
    fingerprint: "f1",
    authenticator: "webroot",
    fileProblems: [],
    ...overrides,
  };
}

const ari = (overrides: Partial<AriRecord> = {}): LineageTiming => ({
  ari: { fingerprint: "f1", certId: "x.y", window: { start: "2026-07-20T00:00:00.000Z", end: "2026-07-22T00:00:00.000Z" }, chosen: "2026-07-21T00:00:00.000Z", nextCheck: "2026-06-10T00:00:00.000Z", ...overrides },
});

describe("judgeRenewalTiming", () => {
  it("renews on the lifetime window without anything else", () => {
    const timing = judgeRenewalTiming(facts(), undefined, at("2026-07-30T23:59:59Z"));
    expect(timing).toMatchObject({ renewAfter: at("2026-07-31T00:00:00Z"), renewReason: "lifetime", due: false, why: "a third of its 90-day lifetime left", problems: [] });
    expect(judgeRenewalTiming(facts(), undefined, at("2026-07-31T00:00:00Z")).due).toBe(true);
  });

  it("follows ngcert's own conf value as the lifetime window, and the owner's as theirs", () => {
    expect(judgeRenewalTiming(facts({ renewBeforeExpiry: { value: "30 days", isList: false, byNgcert: true, line: 8 } }), undefined, at(NOT_BEFORE))).toMatchObject({ renewReason: "lifetime" });
    expect(judgeRenewalTiming(facts({ renewBeforeExpiry: { value: "10 days", isList: false, byNgcert: false, line: 8 } }), undefined, at(NOT_BEFORE))).toMatchObject({
      renewAfter: at("2026-08-20T00:00:00Z"),
      renewReason: "conf",
      why: "renew_before_expiry = 10 days in its renewal conf",
    });
    // A value certbot reads as no time at all: due only once expired.
    expect(judgeRenewalTiming(facts({ renewBeforeExpiry: { value: "soon", isList: false, byNgcert: false, line: 8 } }), undefined, at(NOT_BEFORE))).toMatchObject({ renewAfter: at(NOT_AFTER), renewReason: "conf" });
  });

  it("takes the CA's instant when it comes before the lifetime window, and the earlier one otherwise", () => {
    expect(judgeRenewalTiming(facts(), ari(), at(NOT_BEFORE))).toMatchObject({ renewAfter: at("2026-07-21T00:00:00Z"), renewReason: "ari", due: false });
    expect(judgeRenewalTiming(facts(), ari({ window: { start: "2026-08-01T00:00:00.000Z", end: "2026-08-03T00:00:00.000Z" }, chosen: "2026-08-02T00:00:00.000Z" }), at(NOT_BEFORE))).toMatchObject({ renewReason: "lifetime" });
    const moved = judgeRenewalTiming(facts(), ari({ window: { start: "2026-06-05T00:00:00.000Z", end: "2026-06-06T00:00:00.000Z" }, chosen: "2026-06-05T12:00:00.000Z", movedEarlier: true, explanationURL: "https://ca.example/incident" }), at("2026-06-07T00:00:00Z"));
    expect(moved).toMatchObject({ renewReason: "ari", due: true, explanationURL: "https://ca.example/incident" });
    expect(moved.why).toMatch(/^the CA moved its renewal window earlier/);
  });

  it("ignores what it remembers of another certificate", () => {
    expect(judgeRenewalTiming(facts({ fingerprint: "f2" }), ari(), at(NOT_BEFORE))).toMatchObject({ renewReason: "lifetime", explanationURL: undefined });
  });

  it("reports the failure budget, and EXPIRING once failing for longer than a third of the lifetime", () => {
    const failures = { fingerprint: "f1", count: 4, first: "2026-07-31T00:00:00.000Z", last: "2026-08-01T00:00:00.000Z", lastError: "connection refused", nextAttempt: "2026-08-01T02:00:00.000Z", dryRunFirst: true, domains: ["a.example"], recent: [] };
    const early = judgeRenewalTiming(facts(), { failures }, at("2026-08-01T01:00:00Z"));
    expect(early).toMatchObject({ due: true, nextAttempt: at("2026-08-01T02:00:00Z"), lastError: "connection refused", failures: 4, dryRunFirst: true, problems: [] });
    const late = judgeRenewalTiming(facts(), { failures }, new Date(Date.parse(failures.first) + 30 * DAY + 1000));
    expect(late.problems).toEqual([{ code: "EXPIRING", message: expect.stringMatching(/^renewal has failed since 2026-07-31T00:00:00.000Z \(4 attempts, longer than a third of its 90-day lifetime\); last error: connection refused$/) }]);
  });

  it("has no time for a lineage certbot cannot renew or whose certificate cannot be read", () => {
    expect(judgeRenewalTiming(facts({ confPath: undefined }), undefined, at(NOT_BEFORE))).toMatchObject({ renewAfter: undefined, renewReason: undefined, due: false });
    expect(judgeRenewalTiming(facts({ notAfter: undefined }), undefined, at(NOT_BEFORE))).toMatchObject({ renewAfter: undefined, why: "its certificate cannot be read" });
  });
});
