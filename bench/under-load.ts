// Runs one renewal while 8 HTTPS clients load the site, and says what the clients saw: failed requests, time without
// service, and when (if ever) the new certificate's serial reached them.
import { readFileSync } from "node:fs";
import { X509Certificate } from "node:crypto";
import path from "node:path";
import { runHttpsLoad } from "../src/load/https-load.js";
import { UPSTREAM_HEADER } from "../src/world/echo-upstream.js";
import type { World } from "../test/world/world.js";

export interface LoadRun {
  label: string;
  ok: number;
  failed: number;
  outageMs: number;
  loadMs: number;
  /** When the renewal started and ended, ms since the load started. */
  renewalFromMs: number;
  renewalToMs: number;
  renewalExitCode: number;
  /** ms since the load started when a client first got the new serial; undefined: never during the load. */
  newSerialAtMs: number | undefined;
  /** Failures by kind (ECONNREFUSED, HTTP 502, ...). */
  errors: Record<string, number>;
}

export interface LoadPlan {
  world: World;
  name: string;
  label: string;
  loadMs: number;
  /** The renewal starts this long after the load, so the clients are warm. */
  startAfterMs: number;
  renew: () => Promise<{ exitCode: number; describe: () => string }>;
}

function readLiveSerial(world: World, name: string): string {
  return new X509Certificate(readFileSync(path.join(world.dirs.letsencryptDir, "live", name, "cert.pem"))).serialNumber.toLowerCase();
}

export async function renewUnderLoad(plan: LoadPlan): Promise<LoadRun> {
  const { world, name } = plan;
  const before = readLiveSerial(world, name);
  const started = Date.now();
  const load = runHttpsLoad({ port: world.ports.https, servername: name, concurrency: 8, durationMs: plan.loadMs, requireHeader: UPSTREAM_HEADER });
  await new Promise((resolve) => setTimeout(resolve, plan.startAfterMs));
  const renewalFromMs = Date.now() - started;
  const renewal = await plan.renew();
  const renewalToMs = Date.now() - started;
  const result = await load;
  if (renewal.exitCode !== 0) throw new Error(`${plan.label}: the renewal failed:\n${renewal.describe()}`);
  const after = readLiveSerial(world, name);
  if (after === before) throw new Error(`${plan.label}: live/${name} still holds serial ${before} after the renewal`);
  const errors: Record<string, number> = {};
  for (const sample of result.samples) if (!sample.ok) errors[sample.error ?? "?"] = (errors[sample.error ?? "?"] ?? 0) + 1;
  return {
    label: plan.label,
    ok: result.ok,
    failed: result.failed,
    outageMs: result.outageMs,
    loadMs: result.durationMs,
    renewalFromMs,
    renewalToMs,
    renewalExitCode: renewal.exitCode,
    newSerialAtMs: result.serials.find((entry) => entry.serial === after)?.firstAt,
    errors,
  };
}
