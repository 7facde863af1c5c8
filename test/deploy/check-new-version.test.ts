// checkNewVersion on plain LineageFacts: fatal problems refuse a new version, EXPIRING alone does not, and domains
// certbot says it renewed but the certificate lacks are named.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import type { Problem } from "../../src/checks/problem.js";
import { checkNewVersion } from "../../src/deploy/check-new-version.js";

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
