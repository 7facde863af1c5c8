// `ngcert demo` as a person runs it (the built CLI, nothing but a short margin and an output directory), its report
// checked against what the world itself recorded: nginx's access log counts the requests the report says were
// answered, live/ and archive/ hold the serials it names, Pebble issued them, the WebSocket service saw its one
// connection close only during the old way. Afterwards nothing is left: no process, no directory, no listening port;
// the same after a Ctrl-C in the middle of the renewal; and a kept world works and its printed stop command ends it.
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa, type ResultPromise } from "execa";
import { describe, expect, it } from "vitest";
import type { DemoReport } from "../../src/demo/demo-report.js";
import { makeCleanEnv } from "../../src/world/clean-env.js";
import { httpsGet } from "../world/https-request.js";
import { readAccessLog } from "../world/access-log.js";
import { requirePrograms } from "../world/programs.js";
import { parseSvg } from "../helpers/parse-xml.js";

const programs = requirePrograms();
const CLI = path.resolve("dist/cli.js");
const APP = "app.demo.test";

function startDemo(args: readonly string[]): ResultPromise<{ reject: false; env: Record<string, string>; extendEnv: false; timeout: number; stdin: "ignore" }> {
  return execa(process.execPath, [CLI, "demo", "--margin", "0.5", ...args], { reject: false, env: makeCleanEnv(), extendEnv: false, timeout: 240_000, stdin: "ignore" });
}

/** Processes whose command line or working directory is inside `root`, as "pid command". */
function processesIn(root: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync("/proc").filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
      let cwd = "";
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // another user's process, or gone
      }
      if (cmdline.includes(root) || cwd.startsWith(root)) found.push(`${entry} ${cmdline.trim()}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Ports something still accepts TCP connections on. */
async function listening(ports: readonly number[]): Promise<number[]> {
  const open = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host: "127.0.0.1", port });
          socket.setTimeout(2_000, () => (socket.destroy(), resolve(true)));
          socket.once("connect", () => (socket.destroy(), resolve(true)));
          socket.once("error", () => resolve(false));
        }),
    ),
  );
  return ports.filter((_, index) => open[index]);
}

/** The world's directory and ports, from the lines the demo prints as it starts. */
function parseWorld(stderr: string): { root: string; ports: number[] } {
  const root = /^world: (\/\S+), ready in/m.exec(stderr)?.[1];
  const line = /^ {2}nginx on 127\.0\.0\.1:.*$/m.exec(stderr)?.[0] ?? "";
  if (!root) throw new Error(`the demo did not say where its world is:\n${stderr}`);
  return { root, ports: [...line.matchAll(/:(\d+)/g)].map((match) => Number(match[1])) };
}

async function expectNothingLeft(root: string, ports: readonly number[]): Promise<void> {
  expect(existsSync(root), `${root} is still there`).toBe(false);
  expect(processesIn(root)).toEqual([]);
  expect(ports.length).toBeGreaterThanOrEqual(5);
  expect(await listening(ports)).toEqual([]);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function serialOf(file: string): string {
  return new X509Certificate(readFileSync(file)).serialNumber.toLowerCase();
}

describe.skipIf(programs.skip)(`ngcert demo${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  it.concurrent("reports what really happened, keeps a working world with --keep, and its stop command ends it", { timeout: 300_000 }, async () => {
    const output = mkdtempSync(path.join(tmpdir(), "ngcert-demo-out-"));
    const run = await startDemo(["--keep", "--json", "--output", output]);
    const { root, ports } = parseWorld(run.stderr);
    try {
      expect(run.exitCode, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout) as DemoReport;
      const [ngcert, standalone] = report.renewals;
      expect(report).toMatchObject({ ok: true, problems: [], kept: true, root });
      expect(ngcert.load.failed).toBe(0);
      expect(ngcert.load.ok).toBeGreaterThan(20);
      expect(standalone.load.failed).toBeGreaterThan(0);
      expect(standalone.load.outageMs).toBeGreaterThan(0);
      for (const renewal of report.renewals) {
        expect(sum(renewal.timeline.ok)).toBe(renewal.load.ok);
        expect(sum(renewal.timeline.failed)).toBe(renewal.load.failed);
      }
      expect(ngcert.nginx.map((event) => event.kind)).toEqual(["reloaded"]);
      expect(standalone.nginx.map((event) => event.kind)).toEqual(["stopped", "started"]);

      // nginx's own count: every answered request is one 200 for the site's "/" in its access log.
      const entries = await readAccessLog(path.join(root, "nginx-runtime", "access.log"));
      const answered = entries.filter((entry) => entry.host === APP && entry.uri === "/" && entry.status === 200 && entry.scheme === "https");
      expect(answered.length).toBe(ngcert.load.ok + standalone.load.ok);

      // Three versions of the certificate, in the order the report names them, all issued by Pebble.
      const archive = path.join(root, "letsencrypt", "archive", APP);
      expect([1, 2, 3].map((version) => serialOf(path.join(archive, `cert${version}.pem`)))).toEqual([ngcert.serialBefore, ngcert.serialAfter, standalone.serialAfter]);
      expect(standalone.serialBefore).toBe(ngcert.serialAfter);
      expect(serialOf(path.join(root, "letsencrypt", "live", APP, "cert.pem"))).toBe(standalone.serialAfter);
      const issued = [...readFileSync(path.join(root, "logs", "pebble.log"), "utf8").matchAll(/Issued certificate serial ([0-9a-f]+) for order/g)].map((match) => match[1]!.replace(/^0+/, ""));
      expect(issued).toEqual(expect.arrayContaining([ngcert.serialAfter, standalone.serialAfter].map((serial) => serial.replace(/^0+/, ""))));
      // Failures only while nginx was down (give or take a poll and a request in flight).
      const [stopped, started] = standalone.nginx.map((event) => event.atMs) as [number, number];
      standalone.timeline.failed.forEach((count, slot) => {
        if (count > 0) expect(slot * 100, `failures at ${slot * 100} ms, nginx down ${stopped}-${started} ms`).toBeGreaterThanOrEqual(stopped - 300);
        if (count > 0) expect(slot * 100).toBeLessThanOrEqual(started + 300);
      });

      // The WebSocket service saw one connection, opened before ngcert's renewal and closed during the old way's.
      const events = readFileSync(path.join(root, "logs", "upstream-websocket.log"), "utf8").split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as { event: string; time: string });
      const opened = events.filter((event) => event.event === "open");
      const closed = events.filter((event) => event.event === "close");
      expect(opened).toHaveLength(1);
      expect(closed).toHaveLength(1);
      expect(Date.parse(opened[0]!.time)).toBeLessThan(ngcert.startedAt + ngcert.renewal.fromMs);
      expect(Date.parse(closed[0]!.time)).toBeGreaterThan(standalone.startedAt + standalone.renewal.fromMs);
      expect(Date.parse(closed[0]!.time)).toBeLessThan(standalone.startedAt + standalone.renewal.toMs);
      expect(report.websocket.ngcert.openAfter).toBe(true);
      expect(report.websocket.ngcert.messagesAfterReload).toBeGreaterThan(0);

      // The picture and the page hold both timelines with the report's figures.
      expect(report.files).toEqual({ svg: path.join(output, "ngcert-demo.svg"), html: path.join(output, "ngcert-demo.html") });
      for (const [file, kind] of [[report.files.svg, "svg"], [report.files.html, "html"]] as const) {
        const svg = await parseSvg(readFileSync(file, "utf8"), kind);
        expect(svg.renewals.map((renewal) => [renewal.way, renewal.ok, renewal.failed])).toEqual(report.renewals.map((renewal) => [renewal.way, renewal.load.ok, renewal.load.failed]));
        expect(svg.renewals[0]!.texts).toContain("nginx reloaded");
        expect(svg.renewals[1]!.texts).toEqual(expect.arrayContaining(["nginx stopped", "nginx started"]));
      }
      expect(run.stderr).toMatch(/timeline, one column per \d+ ms/);

      // The kept world works: sourced env, then ngcert; and nginx serves the site with the last certificate.
      const envFile = path.join(root, "env");
      expect(run.stderr).toContain(`source ${envFile}`);
      const status = await execa("sh", ["-c", `. "${envFile}" && ngcert status --json`], { reject: false, env: makeCleanEnv(), extendEnv: false });
      const certificates = (JSON.parse(status.stdout) as { certificates: { name: string; authenticator: string; serial: string }[] }).certificates;
      expect(certificates.map((cert) => [cert.name, cert.authenticator])).toEqual([
        [APP, "standalone"],
        ["ws.demo.test", "webroot"],
      ]);
      const httpsPort = report.ports.https!;
      const answer = await httpsGet({ port: httpsPort, servername: APP });
      expect(answer.status).toBe(200);
      expect(answer.certificate.serialNumber.toLowerCase()).toBe(standalone.serialAfter);

      // The printed stop command ends it all.
      const stopScript = /^Stop it and remove .*:\n {2}(\S+)$/m.exec(run.stderr)?.[1];
      expect(stopScript).toBe(path.join(root, "stop"));
      const stop = await execa(stopScript!, [], { reject: false, env: makeCleanEnv(), extendEnv: false, timeout: 60_000 });
      expect(stop.exitCode, stop.stderr).toBe(0);
      expect(stop.stderr).toContain(`removed ${root}`);
      await expectNothingLeft(root, ports);
    } finally {
      if (existsSync(path.join(root, "stop"))) await execa(path.join(root, "stop"), [], { reject: false });
    }
  });

  it.concurrent("leaves nothing behind when it finishes", { timeout: 300_000 }, async () => {
    const output = mkdtempSync(path.join(tmpdir(), "ngcert-demo-out-"));
    const run = await startDemo(["--json", "--output", output]);
    const { root, ports } = parseWorld(run.stderr);
    expect(run.exitCode, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DemoReport;
    expect(report).toMatchObject({ ok: true, kept: false, root });
    expect(report.renewals[0].load.failed).toBe(0);
    expect(report.renewals[1].load.failed).toBeGreaterThan(0);
    expect(existsSync(report.files.svg) && existsSync(report.files.html)).toBe(true);
    await expectNothingLeft(root, ports);
  });

  it.concurrent("leaves nothing behind after a Ctrl-C during the renewal under load", { timeout: 300_000 }, async () => {
    const output = mkdtempSync(path.join(tmpdir(), "ngcert-demo-out-"));
    const demo = startDemo(["--output", output]);
    let stderr = "";
    demo.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    // Interrupted while ngcert renew (and certbot under it) runs, with the load and the WebSocket open.
    const deadline = Date.now() + 180_000;
    while (!/^\$ ngcert renew/m.test(stderr) && Date.now() < deadline && demo.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 100));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    demo.kill("SIGINT");
    const run = await demo;
    const { root, ports } = parseWorld(stderr);
    expect(run.exitCode, stderr).toBe(130);
    expect(stderr).toContain("the demo was interrupted; everything it started is stopped and its directory removed");
    expect(existsSync(path.join(output, "ngcert-demo.svg"))).toBe(false);
    await expectNothingLeft(root, ports);
  });
});
