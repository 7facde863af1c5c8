// The terminal's version of the picture: block heights for answers, × for any failure, carets under the marks, and the
// whole report as a person reads it.
import { describe, expect, it } from "vitest";
import { renderReport } from "../../src/demo/render-report.js";
import { renderMarkLines, renderSparkline, slotsPerColumn } from "../../src/demo/render-sparkline.js";
import { binSamples } from "../../src/load/timeline.js";
import { makeSampleReport } from "./sample-report.js";

describe("renderSparkline", () => {
  it("draws a block per slot scaled to the maximum, × where anything failed, a space where nothing finished", () => {
    const line = renderSparkline({ binMs: 100, ok: [8, 4, 1, 0, 0, 8], failed: [0, 0, 0, 0, 3, 0] }, { slotsPerColumn: 1, scaleMax: 8, color: false });
    expect(line).toBe("█▄▁ ×█");
  });

  it("groups slots into columns, averaging answers, and colours failures red at a terminal", () => {
    const timeline = { binMs: 100, ok: [8, 8, 4, 4, 0, 8], failed: [0, 0, 0, 0, 1, 0] };
    expect(renderSparkline(timeline, { slotsPerColumn: 2, scaleMax: 8, color: false })).toBe("█▄×");
    expect(renderSparkline(timeline, { slotsPerColumn: 2, scaleMax: 8, color: true })).toBe("█▄\u001b[31m×\u001b[0m");
    expect(slotsPerColumn(130, 64)).toBe(3);
    expect(slotsPerColumn(10, 64)).toBe(1);
  });

  it("puts a caret and label under each mark, on a second line when the first is taken", () => {
    const lines = renderMarkLines(
      [
        { atMs: 300, kind: "stopped", label: "stopped" },
        { atMs: 500, kind: "started", label: "started" },
        { atMs: 2000, kind: "served", label: "served" },
      ],
      100,
      64,
    );
    expect(lines).toEqual(["   ^stopped         ^served", "     ^started"]);
  });
});

describe("binSamples", () => {
  it("counts answers and failures per 100 ms from the load's start, the last slot taking the end", () => {
    const samples = [
      { at: 10, ok: true },
      { at: 99, ok: true },
      { at: 100, ok: false },
      { at: 250, ok: true },
      { at: 300, ok: false },
    ];
    expect(binSamples(samples, 300)).toEqual({ binMs: 100, ok: [2, 0, 1], failed: [0, 1, 1] });
  });
});

describe("renderReport", () => {
  it("sets both renewals side by side with their timelines on one scale", () => {
    expect(renderReport(makeSampleReport(), { color: false })).toMatchInlineSnapshot(`
      "
                                    ngcert renew                      certbot standalone
      requests answered             107                               63
      requests failed               0                                 119
      time without service          0.00 s                            0.42 s
      renewal took                  0.5 s                             0.5 s
      serial before → after         aa11 → bb22                       bb22 → cc33
      new certificate served        0.15 s after certbot saved it     0.11 s after certbot saved it
      WebSocket (ws.demo.test)      open, 3 messages after reload     closed when nginx stopped

      timeline, one column per 100 ms (height: requests answered; ×: requests failed)
      ngcert renew    ▇██▆▇██▇█▇  0 failed
                            ^nginx reloaded
                            ^new certificate served (serial bb22)
      standalone      ▇██×××××█▇  119 failed
                         ^nginx stopped
                            ^nginx started
                             ^new certificate served (serial cc33)

      "
    `);
  });
});
