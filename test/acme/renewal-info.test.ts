// Reading a CA's RenewalInfo answer (RFC 9773): the window, the explanation URL, Retry-After as seconds or a date,
// clamped to a minute .. a day, and everything that is not a usable window.
import { describe, expect, it } from "vitest";
import { parseRetryAfter, readRenewalInfo, renewalInfoUrlFor } from "../../src/acme/renewal-info.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const MIN = 60_000;
const body = (start: string, end: string, extra: Record<string, unknown> = {}) => ({ suggestedWindow: { start, end }, ...extra });

describe("readRenewalInfo", () => {
  it("reads the window and an http(s) explanation URL, with the Retry-After asked for", () => {
    expect(readRenewalInfo(200, body("2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", { explanationURL: "https://ca.example/why" }), "7200", NOW)).toEqual({
      ok: true,
      start: new Date("2026-07-01T00:00:00Z"),
      end: new Date("2026-07-02T00:00:00Z"),
      explanationURL: "https://ca.example/why",
      recheckMs: 120 * MIN,
    });
    expect(readRenewalInfo(200, body("2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", { explanationURL: "javascript:alert(1)" }), undefined, NOW)).toMatchObject({ explanationURL: undefined, recheckMs: 360 * MIN });
    // Shown on terminals and in logs: control characters arrive percent-encoded, as the URL serialiser writes them.
    expect(readRenewalInfo(200, body("2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", { explanationURL: "https://ca.example/x\u001b[31m y" }), undefined, NOW)).toMatchObject({ explanationURL: "https://ca.example/x%1B[31m%20y" });
  });

  it("treats a window that ends at or before its start, or none, as no answer", () => {
    expect(readRenewalInfo(200, body("2026-07-02T00:00:00Z", "2026-07-02T00:00:00Z"), undefined, NOW)).toMatchObject({ ok: false, answered: true, recheckMs: 60 * MIN });
    expect(readRenewalInfo(200, { suggestedWindow: { start: "soon" } }, undefined, NOW)).toMatchObject({ ok: false });
    expect(readRenewalInfo(200, undefined, undefined, NOW)).toMatchObject({ ok: false });
  });

  it("reports 404 and 5xx, honouring their Retry-After within a minute .. a day", () => {
    expect(readRenewalInfo(404, {}, undefined, NOW)).toEqual({ ok: false, error: "the CA has no renewal information for this certificate (404)", recheckMs: 60 * MIN, answered: true });
    expect(readRenewalInfo(503, {}, "5", NOW)).toEqual({ ok: false, error: "the CA answered 503", recheckMs: MIN, answered: true });
    expect(readRenewalInfo(500, {}, "172800", NOW)).toMatchObject({ recheckMs: 24 * 60 * MIN });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("120", NOW)).toBe(120_000);
    expect(parseRetryAfter("Mon, 01 Jun 2026 13:00:00 GMT", NOW)).toBe(60 * MIN);
    expect(parseRetryAfter("Mon, 01 Jun 2026 11:00:00 GMT", NOW)).toBe(0);
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter("later", NOW)).toBeUndefined();
  });
});

describe("renewalInfoUrlFor", () => {
  it("puts the certificate identifier below the renewalInfo resource", () => {
    expect(renewalInfoUrlFor("https://ca.example/acme/renewal-info", "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE")).toBe("https://ca.example/acme/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
    expect(renewalInfoUrlFor("https://ca.example/ri/", "a.b")).toBe("https://ca.example/ri/a.b");
  });
});
