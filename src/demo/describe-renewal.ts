// The words and marks for one renewal, shared by the terminal report, the SVG and the HTML page so all three say
// the same thing: its title, its headline figures, and the moments the timeline marks. Pure.
import type { RenewalReport } from "./demo-report.js";

export interface TimelineMark {
  atMs: number;
  label: string;
  kind: "reloaded" | "stopped" | "started" | "saved" | "served";
}

export function formatCount(value: number): string {
  return value.toLocaleString("en-US");
}

export function formatSeconds(ms: number, digits = 1): string {
  return `${(ms / 1000).toFixed(digits)} s`;
}

export function shortSerial(serial: string): string {
  return serial.length > 10 ? `${serial.slice(0, 8)}…` : serial;
}

export function renewalTitle(report: RenewalReport): string {
  return report.way === "ngcert" ? "ngcert: webroot through nginx, graceful reload" : "the old way: certbot standalone, nginx stopped around it";
}

/** "how long after certbot saved it the new certificate was served", or why there is no such figure. */
export function describeServedDelay(report: RenewalReport): string {
  if (report.serialAfter === report.serialBefore) return "no new certificate";
  if (report.newSerialServedAtMs === undefined) return "new certificate never served during the load";
  if (report.certificateSavedAtMs === undefined) return `new certificate served ${formatSeconds(report.newSerialServedAtMs)} into the load`;
  const delay = Math.max(0, report.newSerialServedAtMs - report.certificateSavedAtMs);
  return `new certificate served ${formatSeconds(delay, 2)} after certbot saved it`;
}

export function describeFigures(report: RenewalReport): string[] {
  const total = report.load.ok + report.load.failed;
  return [
    `${formatCount(report.load.ok)} of ${formatCount(total)} requests answered, ${formatCount(report.load.failed)} failed`,
    `${formatSeconds(report.load.outageMs, 2)} without service`,
    describeServedDelay(report),
  ];
}

export function listMarks(report: RenewalReport): TimelineMark[] {
  const marks: TimelineMark[] = report.nginx.map((event) => ({
    atMs: event.atMs,
    kind: event.kind,
    label: event.kind === "reloaded" ? "nginx reloaded" : event.kind === "stopped" ? "nginx stopped" : "nginx started",
  }));
  if (report.certificateSavedAtMs !== undefined) marks.push({ atMs: report.certificateSavedAtMs, kind: "saved", label: "certbot saved the new certificate" });
  if (report.newSerialServedAtMs !== undefined) marks.push({ atMs: report.newSerialServedAtMs, kind: "served", label: `new certificate served (serial ${shortSerial(report.serialAfter)})` });
  return marks.sort((a, b) => a.atMs - b.atMs);
}
