// The picture and the page, parsed by a real XML parser: both timelines, one bar per slot with requests, the failures
// red, the marks, the figures; text that could break the markup is escaped.
import { describe, expect, it } from "vitest";
import { COLORS, niceCeiling, renderTimelineSvg, wrapWords } from "../../src/demo/render-timeline-svg.js";
import { renderTimelineHtml } from "../../src/demo/render-timeline-html.js";
import { parseSvg } from "../helpers/parse-xml.js";
import { makeSampleReport } from "./sample-report.js";

describe("renderTimelineSvg", () => {
  it("draws both renewals with a bar per slot that had answers or failures, failures in red", async () => {
    const report = makeSampleReport();
    const svg = await parseSvg(renderTimelineSvg(report));
    expect(svg.renewals.map((run) => run.way)).toEqual(["ngcert", "standalone"]);
    const [ngcert, standalone] = svg.renewals;
    expect(ngcert).toMatchObject({ ok: 107, failed: 0 });
    expect(ngcert!.bars[COLORS.served]).toBe(10);
    expect(ngcert!.bars[COLORS.failed]).toBeUndefined();
    expect(standalone).toMatchObject({ ok: 63, failed: 119 });
    expect(standalone!.bars[COLORS.served]).toBe(6);
    expect(standalone!.bars[COLORS.failed]).toBe(5);
  });

  it("marks the reload, nginx stopping and starting, the saved and the served certificate, and says the figures", async () => {
    const svg = await parseSvg(renderTimelineSvg(makeSampleReport()));
    const [ngcert, standalone] = svg.renewals;
    expect(ngcert!.texts).toEqual(expect.arrayContaining(["nginx reloaded", "certbot saved the new certificate", "new certificate served (serial bb22)", "0 of 107 requests failed"]));
    expect(ngcert!.texts.join("\n")).toContain("new certificate served 0.15 s after certbot saved it");
    expect(standalone!.texts).toEqual(expect.arrayContaining(["nginx stopped", "nginx started", "new certificate served (serial cc33)", "119 of 182 requests failed"]));
    expect(standalone!.texts.join("\n")).toContain("0.42 s without service");
    expect(svg.texts.join("\n")).toContain("closed at 0.3 s by the old way");
  });

  it("escapes what it prints, so a command cannot break the markup", async () => {
    const report = makeSampleReport();
    report.renewals[0].command = `ngcert renew <script>&"'`;
    const svg = await parseSvg(renderTimelineSvg(report));
    expect(svg.renewals[0]!.texts).toContain(`$ ngcert renew <script>&"'`);
  });

  it("the page holds the same picture and the figures of both renewals", async () => {
    const report = makeSampleReport();
    const html = renderTimelineHtml(report);
    const svg = await parseSvg(html, "html");
    expect(svg.renewals.map((run) => [run.way, run.ok, run.failed])).toEqual([
      ["ngcert", 107, 0],
      ["standalone", 63, 119],
    ]);
    expect(html).toMatch(/<th>requests failed<\/th><td><span class="good">0<\/span><\/td><td><span class="bad">119<\/span><\/td>/);
    expect(html).toContain("closed at 0.3 s");
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });
});

describe("layout helpers", () => {
  it("rounds an axis top to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 3, 20, 21, 49, 51, 700].map(niceCeiling)).toEqual([1, 1, 5, 20, 50, 50, 100, 1000]);
  });

  it("wraps at spaces and keeps a long word whole", () => {
    expect(wrapWords("a bb ccc dddd", 6)).toEqual(["a bb", "ccc", "dddd"]);
    expect(wrapWords("abcdefghij k", 4)).toEqual(["abcdefghij", "k"]);
  });
});
