// doctor on an owner's renew_before_expiry: too late (EXPIRING before the first try, or after expiry), too often
// (more than half the lifetime left, or on every run), unreadable; ngcert's own value and no value are fine.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import { checkRenewBeforeExpiry } from "../../src/checks/renew-before-expiry-findings.js";

const DAY = 86_400_000;
function facts(value: string | undefined, lifetimeDays: number, byNgcert = false): LineageFacts {
  const notBefore = Date.parse("2026-06-01T00:00:00Z");
  return {
    name: "a.example",
    confPath: "/etc/letsencrypt/renewal/a.example.conf",
    paths: { cert: "/c", chain: "/ch", fullchain: "/f", privkey: "/k" },
    domains: ["a.example"],
    notBefore: new Date(notBefore).toISOString(),
    notAfter: new Date(notBefore + lifetimeDays * DAY).toISOString(),
    serial: "01",
    issuer: "CN=R11",
    keyType: "ecdsa-p256",
    fingerprint: "f1",
    authenticator: "webroot",
    renewBeforeExpiry: value === undefined ? undefined : { value, isList: value.includes(","), byNgcert, line: 8 },
    fileProblems: [],
  };
}
const codes = (value: string | undefined, lifetimeDays: number, byNgcert = false) => checkRenewBeforeExpiry(facts(value, lifetimeDays, byNgcert)).map((item) => `${item.code}:${item.severity}`);

describe("checkRenewBeforeExpiry", () => {
  it("accepts no value, ngcert's value, and an owner's value inside the window", () => {
    expect(codes(undefined, 6)).toEqual([]);
    expect(codes("30 days", 6, true)).toEqual([]);
    expect(codes("30 days", 90)).toEqual([]);
    expect(codes("20 days", 90)).toEqual([]);
    expect(codes("2 days", 6)).toEqual([]);
  });

  it("reports certbot's 30 days written out on short lifetimes: every run for 6 days, too early for 45", () => {
    expect(codes("30 days", 6)).toEqual(["RENEW_BEFORE_EXPIRY_OFTEN:error"]);
    expect(codes("30 days", 45)).toEqual(["RENEW_BEFORE_EXPIRY_OFTEN:warning"]);
    expect(codes("30 days", 64)).toEqual([]);
    const [finding] = checkRenewBeforeExpiry(facts("30 days", 6));
    expect(finding).toMatchObject({ lineage: "a.example", file: "/etc/letsencrypt/renewal/a.example.conf", line: 8 });
    expect(finding!.message).toContain("certbot renews it on every run of its timer");
    expect(finding!.fix).toBe("remove the renew_before_expiry line from /etc/letsencrypt/renewal/a.example.conf (ngcert then keeps it at 3 days, half of its 6-day lifetime), or set a value between 1 day and 3 days");
  });

  it("reports a value that leaves less than a sixth, or nothing", () => {
    expect(codes("10 days", 90)).toEqual(["RENEW_BEFORE_EXPIRY_LATE:warning"]);
    expect(codes("0 days", 90)).toEqual(["RENEW_BEFORE_EXPIRY_LATE:error"]);
  });

  it("reports what certbot cannot read", () => {
    expect(codes("soon", 90)).toEqual(["RENEW_BEFORE_EXPIRY_INVALID:error"]);
    expect(codes("3 days, 4 hours", 90)).toEqual(["RENEW_BEFORE_EXPIRY_INVALID:error"]);
  });
});
