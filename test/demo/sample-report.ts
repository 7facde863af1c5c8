// A demo report made up for the rendering tests: ngcert's renewal with no failure and a reload, the old way with an
// outage between nginx stopping and starting.
import type { DemoReport, RenewalReport } from "../../src/demo/demo-report.js";

function renewal(way: "ngcert" | "standalone", ok: number[], failed: number[], extra: Partial<RenewalReport>): RenewalReport {
  return {
    way,
    command: way === "ngcert" ? "ngcert renew --force --cert-name app.demo.test" : 'certbot renew --force-renewal --cert-name app.demo.test --standalone --pre-hook "nginx -s stop" --post-hook nginx --no-directory-hooks --deploy-hook ""',
    exitCode: 0,
    startedAt: 1_700_000_000_000,
    load: { durationMs: ok.length * 100, ok: ok.reduce((a, b) => a + b, 0), failed: failed.reduce((a, b) => a + b, 0), outageMs: 0, errors: {} },
    timeline: { binMs: 100, ok, failed },
    renewal: { fromMs: 200, toMs: 700 },
    nginx: [],
    serialBefore: "aa11",
    serialAfter: "bb22",
    certificateSavedAtMs: 500,
    newSerialServedAtMs: 650,
    ...extra,
  };
}

export function makeSampleReport(): DemoReport {
  const ngcert = renewal("ngcert", [10, 12, 11, 9, 10, 12, 11, 10, 12, 10], new Array(10).fill(0), { nginx: [{ kind: "reloaded", atMs: 620 }] });
  const standalone = renewal("standalone", [10, 11, 12, 0, 0, 0, 0, 9, 11, 10], [0, 0, 0, 30, 28, 31, 29, 1, 0, 0], {
    nginx: [
      { kind: "stopped", atMs: 300 },
      { kind: "started", atMs: 690 },
    ],
    serialBefore: "bb22",
    serialAfter: "cc33",
    certificateSavedAtMs: 600,
    newSerialServedAtMs: 710,
  });
  standalone.load.outageMs = 420;
  return {
    ok: true,
    problems: [],
    durationMs: 25_000,
    finishedAt: "2026-12-02T11:41:00.000Z",
    root: "/tmp/ngcert-demo-sample",
    kept: false,
    ports: { http: 20001, https: 20002 },
    sites: [
      { name: "app.demo.test", upstream: "http://127.0.0.1:20010", kind: "http" },
      { name: "ws.demo.test", upstream: "http://127.0.0.1:20011", kind: "websocket" },
    ],
    load: { concurrency: 4, pauseMs: 10, marginMs: 200 },
    renewals: [ngcert, standalone],
    websocket: { site: "ws.demo.test", ngcert: { openAfter: true, messagesAfterReload: 3, echoMs: 2, closeReason: undefined }, standalone: { closedAtMs: 310, closeReason: "the connection was closed" } },
    files: { svg: "/tmp/out/ngcert-demo.svg", html: "/tmp/out/ngcert-demo.html" },
  };
}
