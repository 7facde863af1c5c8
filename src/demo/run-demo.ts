// `ngcert demo`: the whole job on this machine. A private world (Pebble, nginx, two upstreams), ngcert's real commands
// against it as a person would type them, a forced renewal under HTTPS load and the same renewal the old way (certbot
// standalone, nginx stopped around it), then the report and the picture. Everything stops and the directory goes,
// also on failure or Ctrl-C, unless the world is to be kept.
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import path from "node:path";
import { NgcertError } from "../errors.js";
import { describeCommand, type Exec } from "../exec.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { UPSTREAM_HEADER } from "../world/echo-upstream.js";
import type { Programs } from "../world/programs.js";
import { waitFor } from "../world/wait.js";
import { openWebSocket, type WebSocketConnection } from "../world/websocket-client.js";
import { judgeDemo, type DemoReport, type RenewalReport, type WebSocketReport } from "./demo-report.js";
import { startDemoWorld, type DemoWorld } from "./demo-world.js";
import { describeFigures } from "./describe-renewal.js";
import { renewUnderLoad, type LoadSettings } from "./renew-under-load.js";
import { renderTimelineHtml } from "./render-timeline-html.js";
import { renderTimelineSvg } from "./render-timeline-svg.js";
import { makeStepRunner } from "./run-step.js";

export interface DemoOptions {
  programs: Programs;
  /** How to run this ngcert again (node and the bundle): the world's bin/ngcert runs exactly this. */
  selfCommand: readonly string[];
  exec: Exec;
  /** Seconds of load before and after each renewal. */
  marginMs: number;
  keep: boolean;
  /** Where ngcert-demo.svg and ngcert-demo.html are written. */
  outputDir: string;
  signal: AbortSignal;
  /** The narrative: one line at a time. */
  say: (line: string) => void;
  /** How a command's own output is shown under it (dimmed at a terminal). */
  quote: (text: string) => string;
}

export interface DemoOutcome {
  report: DemoReport;
  /** The kept world's files, when --keep. */
  kept: { root: string; envFile: string; stopScript: string; httpsPort: number } | undefined;
}

const CLIENTS = 4;
// A short pause between a client's requests keeps the load steady (failures cost no time, so without it a stopped
// nginx would be hammered thousands of times a second) and leaves the CPU to the renewal.
const PAUSE_MS = 10;

export const PICTURE_FILES = { svg: "ngcert-demo.svg", html: "ngcert-demo.html" } as const;

export async function runDemo(options: DemoOptions): Promise<DemoOutcome> {
  const started = Date.now();
  const { say, signal } = options;
  const files = { svg: path.join(options.outputDir, PICTURE_FILES.svg), html: path.join(options.outputDir, PICTURE_FILES.html) };
  // Before anything starts: the picture must have somewhere to go.
  await access(options.outputDir, constants.W_OK).catch(() => {
    throw new NgcertError("IO", `cannot write ${PICTURE_FILES.svg} in ${options.outputDir}: run ngcert demo from a directory you can write to, or give --output DIR`);
  });
  const interrupted = (): string | undefined => (signal.aborted ? "interrupted" : undefined);

  say("ngcert demo: the whole job on this machine, against its own local CA (Pebble), nginx and two upstream services on");
  say("loopback ports, in a private temporary directory. This machine's nginx, /etc and /etc/letsencrypt are not touched.");
  const demo = await startDemoWorld({ programs: options.programs, selfCommand: options.selfCommand, markHeader: UPSTREAM_HEADER, abort: interrupted }).catch((error: unknown) => {
    throw error instanceof NgcertError ? error : new NgcertError("EXEC_FAILED", `the demo world did not start: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  });
  let keep = false;
  let standaloneRan = false;
  let websocket: WebSocketConnection | undefined;
  try {
    const { world } = demo;
    const [app, ws] = demo.sites;
    say(`world: ${demo.root}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    say(`  nginx on 127.0.0.1:${world.ports.http} (its port 80) and :${world.ports.https} (its port 443), Pebble on :${world.ports.pebble}, upstreams on :${new URL(app.upstreamUrl).port} (HTTP) and :${new URL(ws.upstreamUrl).port} (WebSocket)`);
    say(`Each command runs as you would type it on a server; its settings come from ${demo.envFile}.`);

    const steps = makeStepRunner({
      exec: options.exec,
      env: demo.env,
      signal,
      showCommand: (line) => say(`\n$ ${line}`),
      showOutput: (text) => say(options.quote(text.replace(/^/gm, "  "))),
    });
    const ngcert = path.join(demo.binDir, "ngcert");
    await steps.run(["ngcert", "init"], ngcert);
    for (const site of demo.sites) await steps.run(["ngcert", "add", site.name, "--upstream", site.upstreamUrl], ngcert);
    await steps.run(["ngcert", "status"], ngcert);
    await steps.run(["ngcert", "verify"], ngcert);

    websocket = await openWebSocket({ port: world.ports.https, servername: ws.name });
    const socket = websocket;
    await waitFor(async () => (socket.received.length > 0 ? true : undefined), { what: `a first message on the WebSocket to ${ws.name}`, timeoutMs: 10_000, abort: interrupted });

    const load: LoadSettings = {
      port: world.ports.https,
      servername: app.name,
      concurrency: CLIENTS,
      pauseMs: PAUSE_MS,
      markHeader: UPSTREAM_HEADER,
      marginMs: options.marginMs,
      servedWaitMs: 10_000,
    };
    const plan = { load, letsencryptDir: world.dirs.letsencryptDir, names: [app.name], nginxPidFile: world.layout.pidFile, signal };
    const describeLoad = `${CLIENTS} HTTPS clients request https://${app.name}/ through nginx throughout (a new TLS connection each time); a WebSocket to ${ws.name} is open.`;

    say(`\nRenewal under load, ngcert's way: ${describeLoad}`);
    const ngcertShown = ["ngcert", "renew", "--force", "--cert-name", app.name];
    const ngcertRun = await renewUnderLoad({ ...plan, renew: async () => (await steps.run(ngcertShown, ngcert, { allowFailure: true })).exitCode });
    const ngcertReport: RenewalReport = { ...ngcertRun, way: "ngcert", command: ngcertShown.join(" ") };
    const reloadAt = ngcertRun.startedAt + (ngcertRun.nginx.find((event) => event.kind === "reloaded")?.atMs ?? ngcertRun.renewal.toMs);
    const echoMs = socket.isOpen() ? await socket.echo("still there after the reload?").catch(() => undefined) : undefined;
    const websocketAcrossReload: WebSocketReport["ngcert"] = {
      openAfter: socket.isOpen() && echoMs !== undefined && socket.received.some((message) => message.at > reloadAt),
      messagesAfterReload: socket.received.filter((message) => message.at > reloadAt).length,
      echoMs,
      closeReason: socket.closed()?.reason,
    };
    say(`→ ${describeFigures(ngcertReport).join("; ")}; the WebSocket ${websocketAcrossReload.openAfter ? "is still open" : "was CLOSED"}.`);

    say("\nThe same renewal the old way: certbot's standalone server must bind port 80, so nginx is stopped before it and");
    say(`started after it (\`nginx\` here is ${path.join(demo.binDir, "nginx")}: the demo's nginx, and its \`-s stop\` waits for nginx`);
    say("to exit as `systemctl stop nginx` would), and certbot runs without ngcert's hooks, as on a server without ngcert.");
    const standaloneShown = ["certbot", "renew", "--force-renewal", "--cert-name", app.name, "--standalone", "--pre-hook", "nginx -s stop", "--post-hook", "nginx", "--no-directory-hooks", "--deploy-hook", ""];
    standaloneRan = true;
    const standaloneRun = await renewUnderLoad({ ...plan, renew: async () => (await steps.run(standaloneShown, options.programs.certbot, { allowFailure: true })).exitCode });
    const standaloneReport: RenewalReport = { ...standaloneRun, way: "standalone", command: describeCommand(standaloneShown[0]!, standaloneShown.slice(1)) };
    const closed = socket.closed();
    say(`→ ${describeFigures(standaloneReport).join("; ")}; the WebSocket ${closed ? "was closed when nginx stopped" : "stayed open"}.`);

    const websocketReport: WebSocketReport = {
      site: ws.name,
      ngcert: websocketAcrossReload,
      standalone: { closedAtMs: closed ? closed.at - standaloneRun.startedAt : undefined, closeReason: closed?.reason },
    };
    const problems = judgeDemo(ngcertReport, websocketReport);
    if (standaloneRun.exitCode !== 0) problems.push(`\`${standaloneReport.command}\` exited with code ${standaloneRun.exitCode} (the comparison is incomplete)`);
    keep = options.keep;
    const report: DemoReport = {
      ok: problems.length === 0,
      problems,
      durationMs: 0,
      finishedAt: new Date().toISOString(),
      root: demo.root,
      kept: keep,
      ports: { ...world.ports, upstreamHttp: Number(new URL(app.upstreamUrl).port), upstreamWebSocket: Number(new URL(ws.upstreamUrl).port) },
      sites: demo.sites.map((site) => ({ name: site.name, upstream: site.upstreamUrl, kind: site.kind })),
      load: { concurrency: CLIENTS, pauseMs: PAUSE_MS, marginMs: options.marginMs },
      renewals: [ngcertReport, standaloneReport],
      websocket: websocketReport,
      files,
    };
    writeFileAtomic(files.svg, renderTimelineSvg(report), 0o644);
    writeFileAtomic(files.html, renderTimelineHtml(report), 0o644);
    report.durationMs = Date.now() - started;
    return { report, kept: keep ? { root: demo.root, envFile: demo.envFile, stopScript: demo.stopScript, httpsPort: world.ports.https } : undefined };
  } catch (error) {
    // A failure with --keep keeps the world to look into; a Ctrl-C never does.
    keep = options.keep && !signal.aborted;
    throw error;
  } finally {
    websocket?.close();
    await finish(demo, keep, standaloneRan, say);
  }
}

async function finish(demo: DemoWorld, keep: boolean, standaloneRan: boolean, say: (line: string) => void): Promise<void> {
  if (keep) {
    demo.release();
    const [app] = demo.sites;
    const https = demo.world.ports.https;
    say("\nThe demo world keeps running (--keep). In a shell of its own:");
    say(`  source ${demo.envFile}`);
    say("  ngcert status        # then any ngcert command: verify, renew --force, add, remove, doctor, watch, ...");
    say(`  curl -k --resolve ${app.name}:${https}:127.0.0.1 https://${app.name}:${https}/`);
    if (standaloneRan) {
      say(`${app.name} was last renewed by certbot standalone, so certbot would renew it that way again: \`ngcert doctor\``);
      say("says so, and `ngcert migrate` switches it back to the shared webroot.");
    }
    say(`Stop it and remove ${demo.root}:`);
    say(`  ${demo.stopScript}`);
    return;
  }
  say(`\nStopping the demo world and removing ${demo.root}`);
  await demo.stop();
}
