// The watcher's idle cost (issue 6): `ngcert watch` on the status bench's 2,000 generated lineages, its resident
// memory once the first full check is done, and its CPU over a quiet stretch after that; twice, with ngcert's facts
// cache empty (a first start) and then primed (a restart). No nginx site uses those lineages; the watcher only needs
// an nginx configuration that `nginx -T` accepts. Each full check ends with a renewal step, and hundreds of the
// generated lineages are due: the watcher runs on a copy of the tree (its failure budget is written there) with a
// certbot stand-in that fails at once and a CA address nothing answers, so no real CA is ever asked and no Python
// start-up per lineage is measured as the watcher's; idle is measured once that step has gone quiet.
import { chmodSync, cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describeWatcher, startWatcher, stopAllWatchers } from "../test/world/run-watcher.js";
import { readCpuSeconds, readMemory, type Memory } from "./proc-usage.js";
import { BrokenRun } from "./runners.js";

export interface IdleOptions {
  letsencryptDir: string;
  count: number;
  nginxBin: string;
  idleSeconds: number;
  env: Record<string, string>;
  log: (text: string) => void;
}

export interface IdleResult {
  cache: "cold" | "warm";
  startedMs: number;
  /** From the `started` line to the `checked` line of the first full check. */
  firstCheckMs: number;
  firstCheckCpuSeconds: number;
  settled: Memory;
  /** The first SETTLE_SECONDS of the quiet stretch: V8's memory reducer collects garbage once in it. */
  settleCpuSeconds: number;
  /** RSS once that collection is done. */
  afterSettle: Memory;
  idleSeconds: number;
  idleCpuSeconds: number;
  events: number;
}

/** How long after a check the idle stretch begins: V8's memory reducer collects once in between. */
export const SETTLE_SECONDS = 20;

export async function measureIdle(options: IdleOptions): Promise<IdleResult[]> {
  const scratch = mkdtempSync(path.join(tmpdir(), "ngcert-bench-watch-"));
  const nginxConf = path.join(scratch, "nginx.conf");
  writeFileSync(
    nginxConf,
    `# A configuration nginx -T accepts; nothing runs it.
pid ${path.join(scratch, "nginx.pid")};
error_log ${path.join(scratch, "error.log")};
events {}
http { access_log off; server { listen 127.0.0.1:9; return 404; } }
`,
  );
  const certbot = path.join(scratch, "certbot");
  writeFileSync(certbot, '#!/bin/sh\n[ "$1" = --version ] && { echo "certbot 2.1.0"; exit 0; }\necho "bench: certbot stand-in, no CA here" >&2\nexit 1\n');
  chmodSync(certbot, 0o755);
  const letsencryptDir = path.join(scratch, "letsencrypt");
  cpSync(options.letsencryptDir, letsencryptDir, { recursive: true, verbatimSymlinks: true });
  // Renewal confs name their files by absolute path: the copy's must name the copy's.
  const renewalDir = path.join(letsencryptDir, "renewal");
  for (const conf of readdirSync(renewalDir)) {
    const file = path.join(renewalDir, conf);
    writeFileSync(file, readFileSync(file, "utf8").split(options.letsencryptDir).join(letsencryptDir));
  }
  try {
    const results: IdleResult[] = [];
    for (const cache of ["cold", "warm"] as const) results.push(await measureOnce({ ...options, letsencryptDir }, scratch, nginxConf, certbot, cache));
    return results;
  } finally {
    await stopAllWatchers();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One watcher from start to SIGTERM; the cache dir is shared, so the second run finds it primed. */
async function measureOnce(options: IdleOptions, scratch: string, nginxConf: string, certbot: string, cache: IdleResult["cache"]): Promise<IdleResult> {
  const startedAt = Date.now();
  const watcher = startWatcher(
    [
      "--letsencrypt-dir", options.letsencryptDir,
      "--nginx-conf", nginxConf,
      "--nginx-bin", options.nginxBin,
      "--certbot-bin", certbot,
      "--server", "https://127.0.0.1:9/directory",
      "--cache-dir", path.join(scratch, "cache"),
      "--metrics-file", path.join(scratch, "ngcert.prom"),
      "--config", path.join(scratch, "no-config.json"),
      "--interval", "3600",
    ],
    { env: options.env },
  );
  const first = await watcher.waitForEvent((event) => event.event === "started", { what: "the watcher to start", timeoutMs: 120_000 });
  const checked = await watcher.waitForEvent((event) => event.event === "checked", { what: "the first full check", timeoutMs: 600_000 });
  if (checked.event.certificates !== options.count) throw new BrokenRun(`the watcher checked ${String(checked.event.certificates)} lineages, not ${options.count}\n${describeWatcher(watcher)}`);
  const firstCheckCpuSeconds = readCpuSeconds(watcher.pid);
  options.log(`watch bench (${cache} cache): first check of ${options.count} lineages done in ${((checked.receivedAt - first.receivedAt) / 1000).toFixed(1)} s; idle for ${options.idleSeconds} s`);
  await waitUntilQuiet(watcher.pid);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const settled = readMemory(watcher.pid);
  // About 8 s after a check V8's memory reducer runs one full collection (some 60 ms here), once per check; what an
  // idle watcher costs is measured after it.
  const settleFrom = readCpuSeconds(watcher.pid);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
  const settleCpuSeconds = readCpuSeconds(watcher.pid) - settleFrom;
  const afterSettle = readMemory(watcher.pid);
  const cpuBefore = readCpuSeconds(watcher.pid);
  const idleFrom = performance.now();
  await new Promise((resolve) => setTimeout(resolve, options.idleSeconds * 1000));
  const idleCpuSeconds = readCpuSeconds(watcher.pid) - cpuBefore;
  const idleSeconds = (performance.now() - idleFrom) / 1000;
  const exit = await watcher.stop();
  if (exit.code !== 0) throw new BrokenRun(`ngcert watch exited ${JSON.stringify(exit)} on SIGTERM\n${describeWatcher(watcher)}`);
  return {
    cache,
    startedMs: first.receivedAt - startedAt,
    firstCheckMs: checked.receivedAt - first.receivedAt,
    firstCheckCpuSeconds,
    settled,
    settleCpuSeconds,
    afterSettle,
    idleSeconds,
    idleCpuSeconds,
    events: watcher.events().length,
  };
}

/**
 * The renewal step after the check (the stand-in failing for every due lineage) is over when the watcher has no child
 * process (the pass process, the stand-in) and a second passes with no CPU.
 */
async function waitUntilQuiet(pid: number): Promise<void> {
  const until = Date.now() + 300_000;
  for (;;) {
    const before = readCpuSeconds(pid);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    if ((readCpuSeconds(pid) - before <= 0.01 && readChildren(pid).length === 0) || Date.now() > until) return;
  }
}

function readChildren(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}
