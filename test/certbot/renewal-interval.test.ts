// renew_before_expiry intervals against certbot's own add_time_interval: every spelling ngcert reads means what it
// means to certbot, every value ngcert writes reads back to the second, and what ngcert cannot read it says so.
import { describe, expect, it } from "vitest";
import { addRenewalInterval, formatRenewalInterval, instantBefore, parseRenewalInterval } from "../../src/certbot/renewal-interval.js";
import { certbotAddIntervals } from "./certbot-interval-oracle.js";

const READABLE = [
  "30 days", "30", " 30 DAYS ", "1 day", "21 days 8 hours", "3 days 8 hours 20 minutes", "80 hours", "90 seconds", "45 minutes", "2 weeks", "1 week 2 days",
  "10d", "10 d", "12h", "30m", "5s", "2 wk", "1.5 days", "2.5 hours", "3 days and 4 hours", "1 month", "2 months", "1 year", "1 mth", "2 yr", "1 second", "7 hours 30 minutes 15 seconds",
];
const UNREADABLE = ["foo", "soon", "3 days ago", "-3 days", "0.5 months", "2 fortnights", ""];

describe("parseRenewalInterval", () => {
  for (const base of [new Date("2026-06-01T12:00:00Z"), new Date("2026-01-31T12:00:00Z"), new Date("2028-02-29T00:00:00Z")]) {
    it(`reads every spelling as certbot does from ${base.toISOString()}`, async () => {
      const oracle = await certbotAddIntervals(base, READABLE);
      const ours = READABLE.map((text) => {
        const interval = parseRenewalInterval(text);
        return interval === undefined ? null : addRenewalInterval(base, interval).getTime() - base.getTime();
      });
      expect(ours).toEqual(oracle);
    });
  }

  it("refuses what it cannot read instead of guessing", () => {
    for (const text of UNREADABLE) expect(parseRenewalInterval(text), text).toBeUndefined();
  });

  it("puts the renewal instant an interval before expiry", () => {
    const notAfter = new Date("2026-08-30T12:00:00Z");
    expect(instantBefore(notAfter, parseRenewalInterval("30 days")!).toISOString()).toBe("2026-07-31T12:00:00.000Z");
    expect(instantBefore(notAfter, parseRenewalInterval("1 month")!).toISOString()).toBe("2026-07-30T12:00:00.000Z");
  });
});

describe("formatRenewalInterval", () => {
  const DAY = 86_400_000;
  const values = [30 * DAY, 15 * DAY, (64 * DAY) / 3, 3 * DAY, (160 * 3_600_000) / 2, DAY, 3_600_000, 61_000, 1_000, (90 * DAY - 1000) / 3, 2 * DAY + 3 * 3_600_000 + 4 * 60_000 + 5_000];
  it("writes values certbot reads back to the second", async () => {
    const texts = values.map(formatRenewalInterval);
    expect(texts.slice(0, 4)).toEqual(["30 days", "15 days", "21 days 8 hours", "3 days"]);
    const base = new Date("2026-06-01T12:00:00Z");
    expect(await certbotAddIntervals(base, texts)).toEqual(values.map((ms) => Math.round(ms / 1000) * 1000));
    for (const text of texts) expect(addRenewalInterval(base, parseRenewalInterval(text)!).getTime() - base.getTime()).toBe(Math.round(values[texts.indexOf(text)]! / 1000) * 1000);
  });
});
