// The lifetime window for the lifetimes Let's Encrypt issues (90 days, 64 from 2027, 45 from 2028, 6-day
// shortlived; its certificates end one second short of the whole day) and short test lifetimes.
import { describe, expect, it } from "vitest";
import { lifetimeWindow } from "../../src/timing/lifetime-window.js";

const DAY = 86_400_000;
const start = new Date("2026-06-01T00:00:00Z");
const window = (lifetimeMs: number) => lifetimeWindow(start, new Date(start.getTime() + lifetimeMs));

describe("lifetimeWindow", () => {
  it("renews with a third of the lifetime left, half under 10 days, in whole seconds", () => {
    expect([90, 64, 45, 10, 6].map((days) => window(days * DAY - 1000)).map((w) => [w.confValue, w.fraction, w.why])).toEqual([
      ["30 days", "third", "a third of its 90-day lifetime left"],
      ["21 days 8 hours", "third", "a third of its 64-day lifetime left"],
      ["15 days", "third", "a third of its 45-day lifetime left"],
      // One second short of 10 days is under 10 days, as certbot counts it.
      ["5 days", "half", "half of its 10-day lifetime left"],
      ["3 days", "half", "half of its 6-day lifetime left"],
    ]);
    expect(window(160 * 3_600_000).confValue).toBe("3 days 8 hours");
    expect(window(10 * DAY)).toMatchObject({ confValue: "3 days 8 hours", fraction: "third" });
    expect(window(120_000)).toMatchObject({ confValue: "1 minute", why: "half of its 120-second lifetime left" });
  });

  it("puts renewAfter exactly the conf value before expiry", () => {
    const w = window(64 * DAY);
    expect(w.renewAfter.toISOString()).toBe("2026-07-13T16:00:00.000Z");
    expect(new Date(start.getTime() + 64 * DAY).getTime() - w.renewAfter.getTime()).toBe(w.beforeExpiryMs);
  });
});
