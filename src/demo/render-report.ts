// What the demo prints at the end: both renewals side by side, their timelines as sparklines on the same scale, the
// verdict, and where the picture is. Pure.
import type { DemoReport, RenewalReport } from "./demo-report.js";
import { describeServedDelay, formatCount, formatSeconds, listMarks, shortSerial } from "./describe-renewal.js";
import { renderMarkLines, renderSparkline, slotsPerColumn } from "./render-sparkline.js";

const LABEL = 30;
const COLUMN = 34;
const SPARK_WIDTH = 64;

function row(label: string, ngcert: string, standalone: string): string {
  return `${label.padEnd(LABEL)}${ngcert.padEnd(COLUMN)}${standalone}`;
}

export function renderReport(report: DemoReport, options: { color: boolean }): string {
  const [ngcert, standalone] = report.renewals;
  const pick = (fn: (run: RenewalReport) => string): [string, string] => [fn(ngcert), fn(standalone)];
  const ws = report.websocket;
  const lines = [
    "",
    row("", "ngcert renew", "certbot standalone"),
    row("requests answered", ...pick((run) => formatCount(run.load.ok))),
    row("requests failed", ...pick((run) => formatCount(run.load.failed))),
    row("time without service", ...pick((run) => formatSeconds(run.load.outageMs, 2))),
    row("renewal took", ...pick((run) => formatSeconds(run.renewal.toMs - run.renewal.fromMs))),
    row("serial before → after", ...pick((run) => `${shortSerial(run.serialBefore)} → ${shortSerial(run.serialAfter)}`)),
    row("new certificate served", ...pick((run) => describeServedDelay(run).replace(/^new certificate served /, ""))),
    row(
      `WebSocket (${ws.site})`,
      ws.ngcert.openAfter ? `open, ${ws.ngcert.messagesAfterReload} messages after reload` : "CLOSED",
      ws.standalone.closedAtMs === undefined ? "stayed open" : "closed when nginx stopped",
    ),
    "",
    ...renderTimelines(report, options.color),
    "",
  ];
  return `${lines.join("\n")}\n`;
}

function renderTimelines(report: DemoReport, color: boolean): string[] {
  const bins = Math.max(...report.renewals.map((run) => run.timeline.ok.length));
  const group = slotsPerColumn(bins, SPARK_WIDTH);
  const scaleMax = Math.max(1, ...report.renewals.flatMap((run) => run.timeline.ok));
  const indent = 16;
  const lines = [`timeline, one column per ${group * 100} ms (height: requests answered; ×: requests failed)`];
  for (const run of report.renewals) {
    const name = run.way === "ngcert" ? "ngcert renew" : "standalone";
    lines.push(`${name.padEnd(indent)}${renderSparkline(run.timeline, { slotsPerColumn: group, scaleMax, color })}  ${formatCount(run.load.failed)} failed`);
    const marks = listMarks(run).filter((mark) => mark.kind !== "saved");
    for (const line of renderMarkLines(marks, group * run.timeline.binMs, SPARK_WIDTH)) lines.push(`${"".padEnd(indent)}${line}`);
  }
  return lines;
}
