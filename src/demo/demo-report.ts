// What the demo found, as data (`ngcert demo --json` prints it whole), and the verdict: the demo succeeds only when
// ngcert's renewal failed no request and the clients got the new certificate.
import type { RenewalRun } from "./renew-under-load.js";

export type RenewalWay = "ngcert" | "standalone";

export interface RenewalReport extends RenewalRun {
  way: RenewalWay;
  /** The command as it was shown and run. */
  command: string;
}

export interface WebSocketReport {
  site: string;
  /** Across ngcert's renewal: still open after nginx reloaded, and messages that arrived on it after the reload. */
  ngcert: { openAfter: boolean; messagesAfterReload: number; echoMs: number | undefined; closeReason: string | undefined };
  /** During the old way: when it closed (ms since that load started), or undefined when it did not. */
  standalone: { closedAtMs: number | undefined; closeReason: string | undefined };
}

export interface DemoReport {
  ok: boolean;
  /** Why it is not ok, one sentence each. */
  problems: string[];
  durationMs: number;
  /** ISO 8601, when the demo finished. */
  finishedAt: string;
  root: string;
  kept: boolean;
  /** The world's loopback ports: nginx's two, Pebble's, its DNS server's, the upstreams'. */
  ports: Record<string, number>;
  sites: { name: string; upstream: string; kind: string }[];
  load: { concurrency: number; pauseMs: number; marginMs: number };
  renewals: [RenewalReport, RenewalReport];
  websocket: WebSocketReport;
  files: { svg: string; html: string };
}

export function judgeDemo(ngcert: RenewalReport, websocket: WebSocketReport): string[] {
  const problems: string[] = [];
  if (ngcert.exitCode !== 0) problems.push(`\`${ngcert.command}\` exited with code ${ngcert.exitCode}`);
  if (ngcert.load.failed > 0) problems.push(`${ngcert.load.failed} requests failed during ngcert's renewal`);
  if (ngcert.serialAfter === ngcert.serialBefore) problems.push("ngcert's renewal left the same certificate in live/");
  else if (ngcert.newSerialServedAtMs === undefined) problems.push("no client got the new certificate after ngcert's renewal");
  if (!websocket.ngcert.openAfter) problems.push(`the WebSocket to ${websocket.site} did not stay open across ngcert's reload (${websocket.ngcert.closeReason ?? "no message after it"})`);
  return problems;
}
