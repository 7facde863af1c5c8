// A forced renewal through `ngcert renew --force` under HTTPS load fails no request, the clients see the new
// certificate before the load ends, and a response that was streaming through the proxy before the reload and went
// on streaming after it (its end is sent only once the new certificate is served) arrives complete.
import { request } from "node:https";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpsLoad } from "../../src/load/https-load.js";
import { startStreamingUpstream, type StreamingUpstream } from "../load/streaming-upstream.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const NAME = "load.ngcert.test";

/**
 * The streamed body, when its TLS connection to nginx was up (nginx buffers the slow lines, and even the headers sit
 * in its TLS buffer, so the handshake is the moment a worker had the connection), and when the response ended.
 */
function streamThroughProxy(port: number): Promise<{ body: string; firstAt: number; endAt: number }> {
  let firstAt = 0;
  return new Promise((resolve, reject) => {
    const req = request(
      // Up to 60 s of lines, 100 ms apart; the test ends it sooner through the upstream.
      { host: "127.0.0.1", port, servername: NAME, path: "/stream?chunks=600&every=100", headers: { Host: NAME }, agent: false, rejectUnauthorized: false, timeout: 70_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve({ body, firstAt, endAt: Date.now() }));
        res.on("error", reject);
      },
    );
    req.on("socket", (socket) => socket.once("secureConnect", () => (firstAt = Date.now())));
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("stream timed out")));
    req.end();
  });
}

describe.skipIf(programs.skip)(`zero downtime${programs.reason ? ` (${programs.reason})` : ""}`, () => {
  let world: World;
  let upstream: StreamingUpstream;
  let config: string;
  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    upstream = await startStreamingUpstream();
    config = path.join(world.dirs.root, "no-config.json");
    const init = await runNgcert(world, ["init", "--config", config]);
    expect(init.exitCode, describeRun(init)).toBe(0);
    const add = await runNgcert(world, ["add", NAME, "--upstream", upstream.url, "--config", config]);
    expect(add.exitCode, describeRun(add)).toBe(0);
  });
  afterAll(async () => {
    await upstream?.stop();
    await world?.stop();
  });

  it("renews under load with zero failed requests, and the new serial is served before the load ends", async () => {
    const before = new X509Certificate(await readFile(path.join(world.dirs.letsencryptDir, "live", NAME, "cert.pem")));
    // The load runs until two seconds after the renewal finished (at most 90 s): long enough to see the new serial
    // however slow the machine, and bounded.
    let renewed!: () => void;
    const stopWhen = new Promise<void>((resolve) => (renewed = resolve)).then(() => sleep(2_000));
    const load = runHttpsLoad({ port: world.ports.https, servername: NAME, concurrency: 8, durationMs: 90_000, stopWhen, requireHeader: "x-ngcert-test-upstream" });
    await sleep(1_500);
    const stream = streamThroughProxy(world.ports.https);
    await sleep(300);
    const renew = await runNgcert(world, ["renew", "--force", "--cert-name", NAME, "--config", config], { timeoutMs: 60_000 });
    renewed();
    // The stream ends only after the renewal's reload, so it was open across it.
    await sleep(1_000);
    upstream.endStreams();
    const [result, streamed] = await Promise.all([load, stream]);
    const body = streamed.body;
    expect(renew.exitCode, describeRun(renew)).toBe(0);
    expect(renew.stderr).toContain(`${NAME}: renewed; nginx serves the new certificate`);

    const after = new X509Certificate(await readFile(path.join(world.dirs.letsencryptDir, "live", NAME, "cert.pem")));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(result.failed, JSON.stringify(result.samples.filter((sample) => !sample.ok).slice(0, 5))).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    expect(result.serials.map((entry) => entry.serial)).toEqual([before.serialNumber.toLowerCase(), after.serialNumber.toLowerCase()]);
    expect(result.serials[1]!.firstAt).toBeLessThan(result.durationMs);
    // The first client to see the new certificate (after the reload) did so while the stream was open.
    const reloadSeenAt = result.startedAt + result.serials[1]!.firstAt;
    expect(streamed.firstAt).toBeLessThan(reloadSeenAt);
    expect(streamed.endAt).toBeGreaterThan(reloadSeenAt);
    const lines = body.split("\n").filter((line) => line.startsWith("line "));
    expect(lines).toEqual(lines.map((_, index) => `line ${index}`));
    expect(lines.length).toBeGreaterThan(20);
    expect(body).toMatch(/end\n$/);
  });
});
