// A forced renewal through `ngcert renew --force` under HTTPS load fails no request, the clients see the new
// certificate before the load ends, and a response streaming through the proxy during the reload completes.
import { request } from "node:https";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { X509Certificate } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHttpsLoad } from "../load/https-load.js";
import { startStreamingUpstream, type StreamingUpstream } from "../load/streaming-upstream.js";
import { requirePrograms } from "../world/programs.js";
import { describeRun, runNgcert } from "../world/run-ngcert.js";
import { startWorld, type World } from "../world/world.js";

const programs = requirePrograms();
const NAME = "load.ngcert.test";

function streamThroughProxy(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, servername: NAME, path: "/stream?chunks=30&every=100", headers: { Host: NAME }, agent: false, rejectUnauthorized: false, timeout: 20_000 },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (body += chunk));
        res.on("end", () => resolve(body));
        res.on("error", reject);
      },
    );
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
    const [result, body] = await Promise.all([load, stream]);
    expect(renew.exitCode, describeRun(renew)).toBe(0);
    expect(renew.stderr).toContain(`${NAME}: renewed; nginx serves the new certificate`);

    const after = new X509Certificate(await readFile(path.join(world.dirs.letsencryptDir, "live", NAME, "cert.pem")));
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect(result.failed, JSON.stringify(result.samples.filter((sample) => !sample.ok).slice(0, 5))).toBe(0);
    expect(result.ok).toBeGreaterThan(50);
    expect(result.serials.map((entry) => entry.serial)).toEqual([before.serialNumber.toLowerCase(), after.serialNumber.toLowerCase()]);
    expect(result.serials[1]!.firstAt).toBeLessThan(result.durationMs);
    expect(body.split("\n").filter((line) => line.startsWith("line "))).toHaveLength(30);
    expect(body).toMatch(/end\n$/);
  });
});
