// checkNewVersion on plain LineageFacts: fatal problems refuse a new version, EXPIRING alone does not, and domains
// certbot says it renewed but the certificate lacks are named.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import type { Problem } from "../../src/certbot/problem.js";
import { CLOCK_SKEW_MS, checkNewVersion, checkVersion } from "../../src/deploy/check-new-version.js";

const NOW = new Date("2026-06-01T12:00:00.000Z");
const DAY = 86_400_000;
const at = (offsetMs: number): string => new Date(NOW.getTime() + offsetMs).toISOString();

function facts(overrides: Partial<LineageFacts> = {}): LineageFacts {
  return {
    name: "example.com",
    confPath: "/le/renewal/example.com.conf",
    paths: { cert: "/le/live/example.com/cert.pem", chain: "/le/live/example.com/chain.pem", fullchain: "/le/live/example.com/fullchain.pem", privkey: "/le/live/example.com/privkey.pem" },
    domains: ["example.com", "www.example.com"],
    // Issued a day ago, 90-day lifetime: nothing wrong.
    notBefore: at(-DAY),
    notAfter: at(89 * DAY),
    serial: "01",
    issuer: "CN=Test",
    keyType: "ecdsa-p256",
    fingerprint: "00",
    authenticator: "webroot",
    fileProblems: [],
    ...overrides,
  };
}

const problem = (code: Problem["code"], message: string): Problem => ({ code, message });

describe("checkNewVersion", () => {
  it("accepts a healthy version covering every renewed domain", () => {
    expect(checkNewVersion(facts(), ["example.com", "www.example.com"], NOW)).toEqual([]);
    expect(checkNewVersion(facts(), [], NOW)).toEqual([]);
  });

  it("compares renewed names canonically: an IPv6 address as certbot writes it, case, a trailing dot", () => {
    const ip = facts({ domains: ["example.com", "2001:db8::1"] });
    expect(checkNewVersion(ip, ["2001:db8::1", "EXAMPLE.com."], NOW)).toEqual([]);
    expect(checkNewVersion(ip, ["2001:0db8:0:0:0:0:0:1"], NOW)).toEqual([]);
    expect(checkNewVersion(ip, ["2001:db8::2"], NOW)).toEqual(["the certificate does not cover 2001:db8::2 (it names example.com, 2001:db8::1)"]);
  });

  it.each([
    ["UNREADABLE", "cert.pem: not a PEM certificate"],
    ["KEY_MISMATCH", "privkey.pem does not match cert.pem"],
    ["CHAIN_INVALID", "chain.pem did not issue cert.pem"],
  ] as const)("refuses a version with %s in its files", (code, message) => {
    expect(checkNewVersion(facts({ fileProblems: [problem(code, message)] }), ["example.com"], NOW)).toEqual([`${code}: ${message}`]);
  });

  it("refuses an expired version", () => {
    expect(checkNewVersion(facts({ notBefore: at(-91 * DAY), notAfter: at(-2 * DAY) }), [], NOW)).toEqual([`EXPIRED: expired 2 days ago (${at(-2 * DAY)})`]);
  });

  it("refuses a version not yet valid", () => {
    expect(checkNewVersion(facts({ notBefore: at(DAY), notAfter: at(91 * DAY) }), [], NOW)).toEqual([`NOT_YET_VALID: not valid until ${at(DAY)}`]);
  });

  it("does not refuse a version that is only EXPIRING, nor for STANDALONE or RENEWAL_CONF_INVALID", () => {
    const expiring = facts({ notBefore: at(-85 * DAY), notAfter: at(5 * DAY) });
    expect(checkNewVersion(expiring, ["example.com"], NOW)).toEqual([]);
    const other = facts({ fileProblems: [problem("STANDALONE", "uses the standalone authenticator"), problem("RENEWAL_CONF_INVALID", "bad conf")] });
    expect(checkNewVersion(other, [], NOW)).toEqual([]);
  });

  it("lists every fatal problem, keeping the non-fatal ones out", () => {
    const broken = facts({
      notBefore: at(-91 * DAY),
      notAfter: at(-1 * DAY),
      fileProblems: [problem("KEY_MISMATCH", "mismatch"), problem("STANDALONE", "standalone"), problem("CHAIN_INVALID", "bad chain")],
    });
    expect(checkNewVersion(broken, [], NOW)).toEqual(["KEY_MISMATCH: mismatch", "CHAIN_INVALID: bad chain", `EXPIRED: expired 1 day ago (${at(-DAY)})`]);
  });

  it("names the renewed domains the certificate does not cover, and the ones it does name", () => {
    expect(checkNewVersion(facts({ domains: ["example.com"] }), ["example.com", "www.example.com", "api.example.com"], NOW)).toEqual([
      "the certificate does not cover www.example.com, api.example.com (it names example.com)",
    ]);
  });

  it("says `no domain` when the certificate names none", () => {
    expect(checkNewVersion(facts({ domains: [] }), ["example.com"], NOW)).toEqual(["the certificate does not cover example.com (it names no domain)"]);
  });

  it("compares domains case-insensitively", () => {
    expect(checkNewVersion(facts({ domains: ["Example.COM"] }), ["EXAMPLE.com"], NOW)).toEqual([]);
  });

  it("adds the missing domains after the fatal problems", () => {
    expect(checkNewVersion(facts({ domains: ["example.com"], fileProblems: [problem("KEY_MISMATCH", "mismatch")] }), ["other.example"], NOW)).toEqual([
      "KEY_MISMATCH: mismatch",
      "the certificate does not cover other.example (it names example.com)",
    ]);
  });

  it("does not judge domains of an unreadable certificate (its problem already refuses it)", () => {
    const unreadable = facts({ domains: [], notBefore: undefined, notAfter: undefined, fileProblems: [problem("UNREADABLE", "cert.pem is missing")] });
    expect(checkNewVersion(unreadable, ["example.com"], NOW)).toEqual(["UNREADABLE: cert.pem is missing"]);
  });
});

describe("checkVersion", () => {
  it("serves a version whose not-before is a few minutes ahead (clock skew), and says so; refuses one further ahead", () => {
    const skewed = checkVersion(facts({ notBefore: at(3 * 60_000), notAfter: at(90 * DAY) }), NOW);
    expect(skewed.refusals).toEqual([]);
    expect(skewed.notes).toEqual([`not valid for another 180 s (${at(3 * 60_000)}): this host's clock is probably behind the CA's; check NTP`]);
    expect(checkVersion(facts({ notBefore: at(CLOCK_SKEW_MS + 1_000), notAfter: at(90 * DAY) }), NOW).refusals).toEqual([`NOT_YET_VALID: not valid until ${at(CLOCK_SKEW_MS + 1_000)}`]);
  });

  it("refuses a version that expires within a day and before the certificate it replaces", () => {
    const dying = facts({ notBefore: at(-5 * DAY), notAfter: at(12 * 3_600_000) });
    expect(checkVersion(dying, NOW, { replaces: { notAfter: new Date(NOW.getTime() + 30 * DAY) } }).refusals).toEqual([
      `it expires ${at(12 * 3_600_000)}, in less than a day and before the certificate it would replace (${new Date(NOW.getTime() + 30 * DAY).toISOString()})`,
    ]);
    // Nothing to compare with, or the one it replaces dies even sooner: no refusal.
    expect(checkVersion(dying, NOW).refusals).toEqual([]);
    expect(checkVersion(dying, NOW, { replaces: { notAfter: new Date(NOW.getTime() + 3_600_000) } }).refusals).toEqual([]);
  });

  it("lets a shorter-lived successor with days left replace a longer-lived one (a move to 6-day certificates)", () => {
    const shortLived = facts({ notBefore: at(-3_600_000), notAfter: at(6 * DAY) });
    expect(checkVersion(shortLived, NOW, { replaces: { notAfter: new Date(NOW.getTime() + 60 * DAY) } }).refusals).toEqual([]);
  });

  it("refuses a version refused before, recognised by its certificate and key together", () => {
    const refused = new Set(["aa:bb"]);
    expect(checkVersion(facts(), NOW, { refused, identity: "aa:bb" }).refusals).toEqual(["this exact certificate was refused before (see archive/<name>/rejected/)"]);
    expect(checkVersion(facts(), NOW, { refused, identity: "aa:cc" }).refusals).toEqual([]);
  });
});
