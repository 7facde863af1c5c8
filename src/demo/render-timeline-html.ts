// The picture as a page: the same SVG inline, the figures of both renewals side by side in a table, and what was
// measured how. One file with nothing to fetch, to open in a browser or attach to a proposal. Pure.
import type { DemoReport, RenewalReport } from "./demo-report.js";
import { describeServedDelay, formatCount, formatSeconds, renewalTitle } from "./describe-renewal.js";
import { escapeXml, renderTimelineSvg } from "./render-timeline-svg.js";

function rows(report: DemoReport): [string, (run: RenewalReport) => string][] {
  return [
    ["command", (run) => `<code>$ ${escapeXml(run.command)}</code>`],
    ["requests answered", (run) => formatCount(run.load.ok)],
    ["requests failed", (run) => `<span class="${run.load.failed > 0 ? "bad" : "good"}">${formatCount(run.load.failed)}</span>`],
    ["time without service", (run) => formatSeconds(run.load.outageMs, 2)],
    ["renewal took", (run) => formatSeconds(run.renewal.toMs - run.renewal.fromMs)],
    ["serial before → after", (run) => `<code>${escapeXml(run.serialBefore)}</code> → <code>${escapeXml(run.serialAfter)}</code>`],
    ["new certificate", (run) => escapeXml(describeServedDelay(run))],
    [
      `WebSocket to ${escapeXml(report.websocket.site)}`,
      (run) =>
        run.way === "ngcert"
          ? report.websocket.ngcert.openAfter
            ? `open across the reload, ${report.websocket.ngcert.messagesAfterReload} messages after it`
            : `<span class="bad">closed (${escapeXml(report.websocket.ngcert.closeReason ?? "?")})</span>`
          : report.websocket.standalone.closedAtMs === undefined
            ? "stayed open"
            : `<span class="bad">closed at ${formatSeconds(report.websocket.standalone.closedAtMs)}</span>`,
    ],
  ];
}

export function renderTimelineHtml(report: DemoReport): string {
  const [ngcert, standalone] = report.renewals;
  const table = rows(report)
    .map(([label, cell]) => `<tr><th>${label}</th><td>${cell(ngcert)}</td><td>${cell(standalone)}</td></tr>`)
    .join("\n");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ngcert demo: renewing under load without downtime</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #212529; margin: 2rem auto; max-width: 1000px; padding: 0 1rem; line-height: 1.45; }
  h1 { font-size: 1.6rem; margin-bottom: .25rem; }
  p.lead { color: #5c6370; margin-top: 0; }
  svg { max-width: 100%; height: auto; border: 1px solid #e9ecef; border-radius: 6px; }
  table { border-collapse: collapse; width: 100%; margin: 1.5rem 0; font-size: .95rem; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e9ecef; vertical-align: top; }
  thead th { border-bottom: 2px solid #adb5bd; }
  code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; word-break: break-all; }
  .good { color: #2b8a3e; font-weight: 700; }
  .bad { color: #c92a2a; font-weight: 700; }
  footer { color: #5c6370; font-size: .85rem; }
</style>
</head>
<body>
<h1>ngcert demo: renewing a certificate without taking the site down</h1>
<p class="lead">${escapeXml(report.sites[0]?.name ?? "A site")} behind nginx, renewed by ngcert and then the old way while ${report.load.concurrency} HTTPS clients made requests throughout, each on a new TLS connection so every request saw the certificate nginx served at that moment. Measured ${escapeXml(report.finishedAt.slice(0, 16).replace("T", " "))} UTC.</p>
${renderTimelineSvg(report)}
<table>
<thead><tr><th></th><th>${escapeXml(renewalTitle(ngcert))}</th><th>${escapeXml(renewalTitle(standalone))}</th></tr></thead>
<tbody>
${table}
</tbody>
</table>
<footer>Measured by <code>ngcert demo</code> on this machine against its own Pebble (a local ACME CA), nginx and two upstream services on loopback. Each timeline counts the requests that finished in each 100 ms; nginx's reload, stop and start were seen from its processes, the new certificate from the clients' handshakes.</footer>
</body>
</html>
`;
}
