// Runs one renewal while 8 HTTPS clients load the site, and says what the clients saw: failed requests, time without
// service, and when (if ever) the new certificate's serial reached them. The measuring is ngcert demo's
// (src/demo/renew-under-load.ts); this adapts it to the bench's test world and report.
import { renewUnderLoad as measureRenewal } from "../src/demo/renew-under-load.js";
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
  /** The longest the clients wait for the new certificate after the renewal, less the margins. */
  loadMs: number;
  /** The load runs this long before the renewal (so the clients are warm) and at least this long after it. */
  startAfterMs: number;
  renew: () => Promise<{ exitCode: number; describe: () => string }>;
}

export async function renewUnderLoad(plan: LoadPlan): Promise<LoadRun> {
  const { world, name } = plan;
  let describe = (): string => "";
  const run = await measureRenewal({
    load: { port: world.ports.https, servername: name, concurrency: 8, pauseMs: 0, markHeader: UPSTREAM_HEADER, marginMs: plan.startAfterMs, servedWaitMs: Math.max(0, plan.loadMs - 2 * plan.startAfterMs) },
    letsencryptDir: world.dirs.letsencryptDir,
    names: [name],
    nginxPidFile: world.nginx.pidFile,
    renew: async () => {
      const renewal = await plan.renew();
      describe = renewal.describe;
      return renewal.exitCode;
    },
    signal: new AbortController().signal,
  });
  if (run.exitCode !== 0) throw new Error(`${plan.label}: the renewal failed:\n${describe()}`);
  if (run.serialAfter === run.serialBefore) throw new Error(`${plan.label}: live/${name} still holds serial ${run.serialBefore} after the renewal`);
  return {
    label: plan.label,
    ok: run.load.ok,
    failed: run.load.failed,
    outageMs: run.load.outageMs,
    loadMs: run.load.durationMs,
    renewalFromMs: run.renewal.fromMs,
    renewalToMs: run.renewal.toMs,
    renewalExitCode: run.exitCode,
    newSerialAtMs: run.newSerialServedAtMs,
    errors: run.load.errors,
  };
}
