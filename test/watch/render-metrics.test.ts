// renderMetrics on plain data: the exact textfile, and the same text read back as node_exporter's textfile collector
// would (families typed before their samples, no series twice, every value a number).
import { describe, expect, it } from "vitest";
import { renderMetrics, type LineageMetrics, type WatchMetrics } from "../../src/watch/render-metrics.js";
import { parsePrometheusText, readSample } from "../helpers/parse-prometheus-text.js";

function lineage(overrides: Partial<LineageMetrics> = {}): LineageMetrics {
  return { notAfter: "2026-08-30T12:00:00.000Z", daysLeft: 90, servedMatches: true, problems: [], renewAfter: "2026-07-31T12:00:00.000Z", renewalFailures: 0, ...overrides };
}

const METRICS: WatchMetrics = {
  lineages: new Map<string, LineageMetrics>([
    ["b.example", lineage({ notAfter: "2026-06-10T00:00:00.000Z", daysLeft: 8, servedMatches: false, renewAfter: "2026-05-11T00:00:00.000Z", renewalFailures: 3, problems: [
      { code: "EXPIRING", message: "expires in 8 days" },
      { code: "SERVED_MISMATCH", message: "nginx serves another certificate for b.example" },
      { code: "SERVED_MISMATCH", message: "nginx serves another certificate for www.b.example" },
    ] })],
    ["a.example", lineage()],
    ["unused.example", lineage({ servedMatches: undefined })],
    ["broken.example", lineage({ notAfter: undefined, daysLeft: undefined, servedMatches: undefined, renewAfter: undefined, renewalFailures: 0, problems: [{ code: "UNREADABLE", message: "cert.pem: missing" }] })],
  ]),
  lastCheck: new Date("2026-06-01T12:00:00.600Z"),
  lastReload: { time: new Date("2026-06-01T11:59:30.000Z"), success: true },
};

describe("renderMetrics", () => {
  it("renders ngcert_* gauges labelled by certificate name, sorted by name", () => {
    expect(renderMetrics(METRICS)).toMatchInlineSnapshot(`
      "# HELP ngcert_certificate_not_after_seconds Expiry of the certificate live/ points at, in seconds since the epoch.
      # TYPE ngcert_certificate_not_after_seconds gauge
      ngcert_certificate_not_after_seconds{name="a.example"} 1788091200
      ngcert_certificate_not_after_seconds{name="b.example"} 1781049600
      ngcert_certificate_not_after_seconds{name="unused.example"} 1788091200
      # HELP ngcert_certificate_days_left Whole days until the certificate expires.
      # TYPE ngcert_certificate_days_left gauge
      ngcert_certificate_days_left{name="a.example"} 90
      ngcert_certificate_days_left{name="b.example"} 8
      ngcert_certificate_days_left{name="unused.example"} 90
      # HELP ngcert_certificate_served_matches_disk 1 when nginx serves the certificate on disk for every name, 0 when not.
      # TYPE ngcert_certificate_served_matches_disk gauge
      ngcert_certificate_served_matches_disk{name="a.example"} 1
      ngcert_certificate_served_matches_disk{name="b.example"} 0
      # HELP ngcert_certificate_renew_after_seconds When the certificate is due for renewal (the CA's window, its lifetime or renew_before_expiry), in seconds since the epoch.
      # TYPE ngcert_certificate_renew_after_seconds gauge
      ngcert_certificate_renew_after_seconds{name="a.example"} 1785499200
      ngcert_certificate_renew_after_seconds{name="b.example"} 1778457600
      ngcert_certificate_renew_after_seconds{name="unused.example"} 1785499200
      # HELP ngcert_certificate_renewal_failures Renewals of the certificate that failed in a row (0 once one succeeds).
      # TYPE ngcert_certificate_renewal_failures gauge
      ngcert_certificate_renewal_failures{name="a.example"} 0
      ngcert_certificate_renewal_failures{name="b.example"} 3
      ngcert_certificate_renewal_failures{name="unused.example"} 0
      # HELP ngcert_certificate_problems Problems found with the certificate, by problem code.
      # TYPE ngcert_certificate_problems gauge
      ngcert_certificate_problems{name="b.example",code="EXPIRING"} 1
      ngcert_certificate_problems{name="b.example",code="SERVED_MISMATCH"} 2
      ngcert_certificate_problems{name="broken.example",code="UNREADABLE"} 1
      # HELP ngcert_certificates Certificates the watcher knows.
      # TYPE ngcert_certificates gauge
      ngcert_certificates 4
      # HELP ngcert_last_check_timestamp_seconds When the watcher last checked.
      # TYPE ngcert_last_check_timestamp_seconds gauge
      ngcert_last_check_timestamp_seconds 1780315200
      # HELP ngcert_last_reload_timestamp_seconds When the watcher last reloaded nginx.
      # TYPE ngcert_last_reload_timestamp_seconds gauge
      ngcert_last_reload_timestamp_seconds 1780315170
      # HELP ngcert_last_reload_success 1 when the watcher's last reload was followed by nginx serving the new certificate.
      # TYPE ngcert_last_reload_success gauge
      ngcert_last_reload_success 1
      "
    `);
  });

  it("reads back as valid textfile format with the values it was given", () => {
    const families = parsePrometheusText(renderMetrics(METRICS));
    for (const family of families.values()) {
      expect(family.name).toMatch(/^ngcert_/);
      expect(family.type, family.name).toBe("gauge");
      expect(family.help, family.name).toBeTruthy();
    }
    expect(readSample(families, "ngcert_certificate_not_after_seconds", { name: "b.example" })).toBe(Date.parse("2026-06-10T00:00:00Z") / 1000);
    expect(readSample(families, "ngcert_certificate_days_left", { name: "a.example" })).toBe(90);
    expect(readSample(families, "ngcert_certificate_served_matches_disk", { name: "b.example" })).toBe(0);
    // Unknown is absent, not 0: an alert on "== 0" must not fire for a certificate no site uses.
    expect(readSample(families, "ngcert_certificate_served_matches_disk", { name: "unused.example" })).toBeUndefined();
    expect(readSample(families, "ngcert_certificate_not_after_seconds", { name: "broken.example" })).toBeUndefined();
    expect(readSample(families, "ngcert_certificate_problems", { name: "b.example", code: "SERVED_MISMATCH" })).toBe(2);
    expect(readSample(families, "ngcert_certificate_problems", { name: "broken.example", code: "UNREADABLE" })).toBe(1);
    expect(readSample(families, "ngcert_certificates")).toBe(4);
    expect(readSample(families, "ngcert_last_check_timestamp_seconds")).toBe(Math.floor(METRICS.lastCheck!.getTime() / 1000));
    expect(readSample(families, "ngcert_last_reload_success")).toBe(1);
  });

  it("before the first check and reload: no timestamps, no reload result, zero certificates", () => {
    const text = renderMetrics({ lineages: new Map(), lastCheck: undefined, lastReload: undefined });
    const families = parsePrometheusText(text);
    expect(readSample(families, "ngcert_certificates")).toBe(0);
    expect(families.has("ngcert_last_check_timestamp_seconds")).toBe(false);
    expect(families.has("ngcert_last_reload_success")).toBe(false);
  });

  it("reports a failed reload as 0", () => {
    const text = renderMetrics({ lineages: new Map(), lastCheck: undefined, lastReload: { time: new Date("2026-06-01T00:00:00Z"), success: false } });
    expect(readSample(parsePrometheusText(text), "ngcert_last_reload_success")).toBe(0);
  });

  it("escapes a label value so the line still parses", () => {
    const text = renderMetrics({ lineages: new Map([['odd"name\\x', lineage()]]), lastCheck: undefined, lastReload: undefined });
    expect(text).toContain('ngcert_certificate_days_left{name="odd\\"name\\\\x"} 90');
    expect(readSample(parsePrometheusText(text), "ngcert_certificate_days_left", { name: 'odd"name\\x' })).toBe(90);
  });
});

describe("parsePrometheusText", () => {
  it("rejects what a textfile collector would reject", () => {
    expect(() => parsePrometheusText("a 1")).toThrow(/newline/);
    expect(() => parsePrometheusText("# TYPE a gauge\na 1\nb 1\na 2\n")).toThrow(/not together/);
    expect(() => parsePrometheusText('a{name="x"} 1\na{name="x"} 2\n')).toThrow(/twice/);
    expect(() => parsePrometheusText("a one\n")).toThrow(/not a number/);
    expect(() => parsePrometheusText('a{name="x} 1\n')).toThrow(/malformed/);
    expect(() => parsePrometheusText("a 1\n# TYPE a gauge\n")).toThrow(/after its samples/);
  });
});
