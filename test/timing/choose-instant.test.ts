// The instant inside the CA's window: random within it, kept while the window holds it, chosen again when it moves.
import { describe, expect, it } from "vitest";
import { chooseInstant } from "../../src/timing/choose-instant.js";

const at = (iso: string): Date => new Date(iso);
const window = { start: at("2026-07-01T00:00:00Z"), end: at("2026-07-03T00:00:00Z") };

describe("chooseInstant", () => {
  it("draws uniformly inside the window", () => {
    expect(chooseInstant(window, undefined, () => 0).chosen).toEqual(window.start);
    expect(chooseInstant(window, undefined, () => 0.5).chosen).toEqual(at("2026-07-02T00:00:00Z"));
    expect(chooseInstant(window, undefined, () => 0.999999).chosen.getTime()).toBeLessThan(window.end.getTime());
  });

  it("keeps an instant chosen before while the window still holds it", () => {
    const kept = at("2026-07-02T06:00:00Z");
    expect(chooseInstant({ start: at("2026-07-02T00:00:00Z"), end: at("2026-07-04T00:00:00Z") }, kept, () => 0)).toEqual({ chosen: kept, movedEarlier: false });
  });

  it("chooses again, and says so, when the CA moves the window before it", () => {
    const kept = at("2026-07-02T06:00:00Z");
    const moved = { start: at("2026-06-01T00:00:00Z"), end: at("2026-06-02T00:00:00Z") };
    expect(chooseInstant(moved, kept, () => 0.25)).toEqual({ chosen: at("2026-06-01T06:00:00Z"), movedEarlier: true });
    // Moved later: a new instant, not "earlier".
    expect(chooseInstant({ start: at("2026-08-01T00:00:00Z"), end: at("2026-08-02T00:00:00Z") }, kept, () => 0)).toEqual({ chosen: at("2026-08-01T00:00:00Z"), movedEarlier: false });
  });
});
