// The renewal bench (issue 5): in one run, on the real test world, the same site renewed under the same 8-client HTTPS
// load two ways: ngcert's (`ngcert renew --force`: webroot, graceful reload) and the seed's baseline (certbot
// standalone with nginx stopped around it). Failed requests, seconds without service, and whether the clients saw the
// new certificate before the load ended, side by side.
import path from "node:path";
import { describeCertbot } from "../test/world/run-certbot.js";
import { describeRun, runNgcert } from "../test/world/run-ngcert.js";
import { startWorld, type World } from "../test/world/world.js";
import { renewStandalone, stopDaemonNginx } from "./standalone-baseline.js";
import { TARGETS } from "./targets.js";
import { renewUnderLoad, type LoadRun } from "./under-load.js";
import { renderVerdicts, type Verdict } from "./render-report.js";
import { BrokenRun } from "./runners.js";

const SITE = "bench.ngcert.test";

export interface ZeroDowntimeOptions {
  loadMs: number;
  log: (text: string) => void;
}

export interface ZeroDowntimeResults {
  loadMs: number;
  ngcert: LoadRun;
  standalone: LoadRun;
}

export async function runZeroDowntimeBench(options: ZeroDowntimeOptions): Promise<ZeroDowntimeResults> {
  const world = await startWorld({ challengeServer: false });
  let baselineStarted = false;
  try {
    options.log(`renewal bench: test world up in ${world.startupMs} ms (nginx, Pebble, challtestsrv on loopback)`);
    const config = path.join(world.dirs.root, "no-config.json");
    for (const args of [["init"], ["add", SITE, "--upstream", world.upstream.url]]) {
      const run = await runNgcert(world, [...args, "--config", config], { timeoutMs: 90_000 });
      if (run.exitCode !== 0) throw new BrokenRun(`ngcert ${args[0]} failed:\n${describeRun(run)}`);
    }
    options.log(`renewal bench: ngcert renew --force --cert-name ${SITE} under load (from 2 s before to 2 s after; at most ${options.loadMs / 1000} s)`);
    const ngcert = await renewUnderLoad({
      world,
      name: SITE,
      label: "ngcert renew --force",
      loadMs: options.loadMs,
      startAfterMs: 2_000,
      renew: async () => {
        const run = await runNgcert(world, ["renew", "--force", "--cert-name", SITE, "--config", config], { timeoutMs: 90_000 });
        return { exitCode: run.exitCode, describe: () => describeRun(run) };
      },
    });
    options.log("renewal bench: certbot renew --standalone, nginx stopped by the pre hook and started by the post hook, same load");
    baselineStarted = true;
    const standalone = await renewUnderLoad({
      world,
      name: SITE,
      label: "certbot standalone",
      loadMs: options.loadMs,
      startAfterMs: 2_000,
      renew: async () => {
        const run = await renewStandalone(world, SITE);
        return { exitCode: run.exitCode, describe: () => describeCertbot(world, run) };
      },
    });
    return { loadMs: options.loadMs, ngcert, standalone };
  } catch (error) {
    throw error instanceof BrokenRun ? error : new BrokenRun(error instanceof Error ? error.message : String(error));
  } finally {
    // The baseline's post hook left a daemonized nginx that the world does not know.
    if (baselineStarted) await stopDaemonNginx(world);
    await world.stop();
  }
}

export function judgeZeroDowntime(results: ZeroDowntimeResults): Verdict[] {
  const { ngcert } = results;
  return [
    { label: "failed requests, ngcert renew", measured: String(ngcert.failed), goal: `= ${TARGETS.zeroDowntimeFailed}`, pass: ngcert.failed === TARGETS.zeroDowntimeFailed },
    {
      label: "new serial seen under load",
      measured: ngcert.newSerialAtMs === undefined ? "never" : `at ${(ngcert.newSerialAtMs / 1000).toFixed(1)} s`,
      goal: `< ${(ngcert.loadMs / 1000).toFixed(1)} s`,
      pass: ngcert.newSerialAtMs !== undefined,
    },
  ];
}

export function renderZeroDowntimeReport(results: ZeroDowntimeResults, verdicts: readonly Verdict[]): string {
  const { ngcert, standalone } = results;
  const seconds = (ms: number): string => (ms / 1000).toFixed(2);
  const rows: Array<[string, (run: LoadRun) => string]> = [
    ["requests answered by the upstream", (run) => String(run.ok)],
    ["requests failed", (run) => String(run.failed)],
    ["seconds without service", (run) => seconds(run.outageMs)],
    ["renewal ran (s into the load)", (run) => `${seconds(run.renewalFromMs)}-${seconds(run.renewalToMs)}`],
    ["new serial first seen (s)", (run) => (run.newSerialAtMs === undefined ? "never" : seconds(run.newSerialAtMs))],
    ["failures by kind", (run) => Object.entries(run.errors).map(([kind, count]) => `${kind} ${count}`).join(", ") || "-"],
  ];
  const out = [
    `renewal under load: 8 HTTPS clients on loopback, a new TLS connection per request, from 2 s before each renewal to 2 s after it (or until the new serial is seen)`,
    "",
    `${"".padEnd(36)}${"ngcert renew --force".padEnd(26)}certbot standalone, nginx stopped`,
    ...rows.map(([label, pick]) => `${label.padEnd(36)}${pick(ngcert).padEnd(26)}${pick(standalone)}`),
    "",
    renderVerdicts(verdicts),
  ];
  return `${out.join("\n")}\n`;
}
