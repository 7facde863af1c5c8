// The picture: one self-contained SVG (no fonts, scripts or links to fetch) with a timeline per renewal, stacked on
// the same scales so they compare at a glance: requests answered per 100 ms in green, failed in red, the renewal's
// span shaded, and nginx's reload or stop and start, certbot saving the certificate and its first serving marked. Pure.
import type { DemoReport, RenewalReport } from "./demo-report.js";
import { describeFigures, formatCount, listMarks, renewalTitle, type TimelineMark } from "./describe-renewal.js";

export const SVG_WIDTH = 960;
const LEFT = 64;
const RIGHT = 28;
const PLOT_WIDTH = SVG_WIDTH - LEFT - RIGHT;
const HEADER = 96;
const PANEL_TITLE = 78;
const PLOT_HEIGHT = 170;
const MARK_ROWS = 4;
const MARK_ROW_HEIGHT = 14;
const AXIS = 34;
const PANEL = PANEL_TITLE + MARK_ROWS * MARK_ROW_HEIGHT + PLOT_HEIGHT + AXIS;
const FOOTER = 72;

export const COLORS = {
  served: "#2f9e6e",
  failed: "#e03131",
  renewal: "#e9eef6",
  reloaded: "#1c7ed6",
  stopped: "#c92a2a",
  started: "#2b8a3e",
  saved: "#868e96",
  served_mark: "#7048e8",
  text: "#212529",
  muted: "#5c6370",
  grid: "#dee2e6",
} as const;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[ch]!);
}

/** Splits text at spaces into lines of at most `max` characters (a longer word stays whole on its own line). */
export function wrapWords(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && line.length + 1 + word.length > max) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** 1, 2 or 5 times a power of ten, at least `value`: a y-axis top that reads well. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function markColor(mark: TimelineMark): string {
  return mark.kind === "served" ? COLORS.served_mark : COLORS[mark.kind];
}

/** Lays the marks' labels out in rows so that none overlaps another; ~6.4 px per character at 11 px. */
function layoutMarks(marks: readonly TimelineMark[], x: (ms: number) => number): { mark: TimelineMark; row: number; x: number; anchorEnd: boolean }[] {
  const rows: { from: number; to: number }[][] = Array.from({ length: MARK_ROWS }, () => []);
  return marks.map((mark) => {
    const position = x(mark.atMs);
    const width = mark.label.length * 6.4 + 8;
    const anchorEnd = position + width > LEFT + PLOT_WIDTH;
    const from = anchorEnd ? position - width : position;
    const to = anchorEnd ? position : position + width;
    let row = rows.findIndex((spans) => spans.every((span) => to <= span.from || from >= span.to));
    // No free row: the one it overlaps least.
    if (row < 0) row = rows.map((spans, at) => ({ at, overlap: spans.reduce((sum, span) => sum + Math.max(0, Math.min(to, span.to) - Math.max(from, span.from)), 0) })).sort((a, b) => a.overlap - b.overlap)[0]!.at;
    rows[row]!.push({ from, to });
    return { mark, row, x: position, anchorEnd };
  });
}

function renderPanel(report: RenewalReport, top: number, scale: { durationMs: number; yMax: number }): string {
  const x = (ms: number): number => LEFT + (Math.max(0, Math.min(ms, scale.durationMs)) / scale.durationMs) * PLOT_WIDTH;
  const plotTop = top + PANEL_TITLE + MARK_ROWS * MARK_ROW_HEIGHT;
  const plotBottom = plotTop + PLOT_HEIGHT;
  const y = (count: number): number => plotBottom - (count / scale.yMax) * PLOT_HEIGHT;
  const parts: string[] = [];
  const figures = describeFigures(report);
  const headlineColor = report.load.failed > 0 ? COLORS.failed : COLORS.started;
  const headline = `${formatCount(report.load.failed)} of ${formatCount(report.load.ok + report.load.failed)} requests failed`;
  // At 11.5 px a monospace character is about 6.9 px wide: two lines hold the old way's long command.
  const command = wrapWords(`$ ${report.command}`, Math.floor(PLOT_WIDTH / 6.9)).slice(0, 2);
  parts.push(
    `<text x="${LEFT}" y="${top + 18}" font-size="16" font-weight="700" fill="${COLORS.text}">${escapeXml(renewalTitle(report))}</text>`,
    `<text x="${SVG_WIDTH - RIGHT}" y="${top + 18}" font-size="16" text-anchor="end" fill="${headlineColor}" font-weight="700">${escapeXml(headline)}</text>`,
    ...command.map(
      (line, index) =>
        `<text x="${LEFT}" y="${top + 36 + index * 14}" font-size="11.5" fill="${COLORS.muted}" font-family="ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace">${escapeXml(line)}</text>`,
    ),
    `<text x="${LEFT}" y="${top + 70}" font-size="12.5" fill="${COLORS.text}">${escapeXml(`${figures[1]} · ${figures[2]} · ${formatCount(report.load.ok)} requests answered`)}</text>`,
  );
  // The renewal's span, behind everything.
  const bandFrom = x(report.renewal.fromMs);
  const bandTo = x(report.renewal.toMs);
  parts.push(`<rect x="${bandFrom.toFixed(1)}" y="${plotTop}" width="${Math.max(1, bandTo - bandFrom).toFixed(1)}" height="${PLOT_HEIGHT}" fill="${COLORS.renewal}"/>`);
  parts.push(`<text x="${(bandFrom + 4).toFixed(1)}" y="${plotTop + 13}" font-size="11" fill="${COLORS.muted}">renewal running (${((report.renewal.toMs - report.renewal.fromMs) / 1000).toFixed(1)} s)</text>`);
  // Grid and y axis: 0, half, top.
  for (const value of [0, scale.yMax / 2, scale.yMax]) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${y(value).toFixed(1)}" y2="${y(value).toFixed(1)}" stroke="${COLORS.grid}" stroke-width="1"/>`);
    parts.push(`<text x="${LEFT - 8}" y="${(y(value) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="${COLORS.muted}">${formatCount(value)}</text>`);
  }
  // Bars: answered from the axis up, failed stacked on top.
  const { binMs, ok, failed } = report.timeline;
  const barWidth = Math.max(0.5, (binMs / scale.durationMs) * PLOT_WIDTH - 0.6);
  for (let index = 0; index < ok.length; index++) {
    const left = x(index * binMs).toFixed(1);
    const answered = ok[index]!;
    const lost = failed[index]!;
    if (answered > 0) parts.push(`<rect x="${left}" y="${y(answered).toFixed(1)}" width="${barWidth.toFixed(2)}" height="${(plotBottom - y(answered)).toFixed(1)}" fill="${COLORS.served}"/>`);
    if (lost > 0) {
      const from = y(answered);
      const to = y(Math.min(scale.yMax, answered + lost));
      parts.push(`<rect x="${left}" y="${to.toFixed(1)}" width="${barWidth.toFixed(2)}" height="${Math.max(1, from - to).toFixed(1)}" fill="${COLORS.failed}"/>`);
    }
  }
  // Marks: a line through the plot, the label above it.
  for (const { mark, row, x: position, anchorEnd } of layoutMarks(listMarks(report), x)) {
    const labelY = top + PANEL_TITLE + row * MARK_ROW_HEIGHT + 10;
    const color = markColor(mark);
    const dash = mark.kind === "saved" ? ` stroke-dasharray="3 3"` : mark.kind === "stopped" || mark.kind === "started" ? ` stroke-dasharray="6 3"` : "";
    parts.push(`<line x1="${position.toFixed(1)}" x2="${position.toFixed(1)}" y1="${labelY + 3}" y2="${plotBottom}" stroke="${color}" stroke-width="1.6"${dash}/>`);
    parts.push(
      `<text x="${(anchorEnd ? position - 4 : position + 4).toFixed(1)}" y="${labelY}" font-size="11" font-weight="600" text-anchor="${anchorEnd ? "end" : "start"}" fill="${color}">${escapeXml(mark.label)}</text>`,
    );
  }
  // Time axis, one tick a second.
  parts.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${plotBottom}" y2="${plotBottom}" stroke="${COLORS.muted}" stroke-width="1"/>`);
  const step = scale.durationMs > 20_000 ? 5_000 : scale.durationMs > 10_000 ? 2_000 : 1_000;
  for (let ms = 0; ms <= scale.durationMs; ms += step) {
    parts.push(`<line x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="${plotBottom}" y2="${plotBottom + 4}" stroke="${COLORS.muted}"/>`);
    parts.push(`<text x="${x(ms).toFixed(1)}" y="${plotBottom + 16}" font-size="11" text-anchor="middle" fill="${COLORS.muted}">${ms / 1000} s</text>`);
  }
  return `<g class="renewal" data-way="${report.way}" data-ok="${report.load.ok}" data-failed="${report.load.failed}">\n${parts.join("\n")}\n</g>`;
}

export function renderTimelineSvg(report: DemoReport): string {
  const [ngcert, standalone] = report.renewals;
  const durationMs = Math.max(ngcert.load.durationMs, standalone.load.durationMs, 1);
  const peak = Math.max(1, ...report.renewals.flatMap((run) => run.timeline.ok.map((value, index) => value + run.timeline.failed[index]!)));
  const scale = { durationMs, yMax: niceCeiling(peak) };
  const height = HEADER + 2 * PANEL + FOOTER;
  const legendY = HEADER - 22;
  // Legend entries side by side; about 6.6 px per character at 12 px.
  const entries: [string, string, string][] = [
    [COLORS.served, "", "requests answered by the upstream, per 100 ms"],
    [COLORS.failed, "", "requests failed"],
    [COLORS.renewal, ` stroke="${COLORS.grid}"`, "renewal running"],
  ];
  let legendX = LEFT;
  const legend = entries.map(([fill, stroke, label]) => {
    const entry = `<rect x="${legendX}" y="${legendY - 9}" width="12" height="10" fill="${fill}"${stroke}/><text x="${legendX + 17}" y="${legendY}" font-size="12" fill="${COLORS.text}">${escapeXml(label)}</text>`;
    legendX += 17 + label.length * 6.6 + 22;
    return entry;
  });
  const clients = `${report.load.concurrency} HTTPS clients, a new TLS connection per request`;
  const footer = [
    `WebSocket to ${report.websocket.site}: ${report.websocket.ngcert.openAfter ? `open across ngcert's reload (${report.websocket.ngcert.messagesAfterReload} messages after it)` : "closed during ngcert's renewal"}; ` +
      (report.websocket.standalone.closedAtMs === undefined ? "open through the old way too." : `closed at ${(report.websocket.standalone.closedAtMs / 1000).toFixed(1)} s by the old way.`),
    `Measured by ngcert demo on this machine: Pebble as the CA, nginx and two upstreams on loopback, ${clients}.`,
  ].flatMap((line) => wrapWords(line, 140));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${SVG_WIDTH}" height="${height}" viewBox="0 0 ${SVG_WIDTH} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif" role="img" aria-labelledby="ngcert-demo-title">
<title id="ngcert-demo-title">Renewing a certificate under load: ngcert against certbot standalone</title>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${LEFT}" y="32" font-size="22" font-weight="700" fill="${COLORS.text}">The same certificate renewed twice under load</text>
<text x="${LEFT}" y="54" font-size="13" fill="${COLORS.muted}">${escapeXml(`${report.sites[0]?.name ?? "the site"} behind nginx, ${clients}. Same scales in both timelines.`)}</text>
${legend.join("\n")}
${renderPanel(ngcert, HEADER, scale)}
${renderPanel(standalone, HEADER + PANEL, scale)}
${footer.map((line, index) => `<text x="${LEFT}" y="${HEADER + 2 * PANEL + 22 + index * 18}" font-size="12" fill="${COLORS.muted}">${escapeXml(line)}</text>`).join("\n")}
</svg>
`;
}
