// The watcher's idle cost (issue 6): `ngcert watch` on the status bench's 2,000 generated lineages, its resident
// memory once the first full check is done, and its CPU over a quiet stretch after that; twice, with ngcert's facts
// cache empty (a first start) and then primed (a restart). No nginx site uses those lineages; the watcher only needs
// an nginx configuration that `nginx -T` accepts.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
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
  idleSeconds: number;
  idleCpuSeconds: number;
  events: number;
}

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
  try {
    const results: IdleResult[] = [];
    for (const cache of ["cold", "warm"] as const) results.push(await measureOnce(options, scratch, nginxConf, cache));
    return results;
  } finally {
    await stopAllWatchers();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** One watcher from start to SIGTERM; the cache dir is shared, so the second run finds it primed. */
async function measureOnce(options: IdleOptions, scratch: string, nginxConf: string, cache: IdleResult["cache"]): Promise<IdleResult> {
  const startedAt = Date.now();
  const watcher = startWatcher(
    [
      "--letsencrypt-dir", options.letsencryptDir,
      "--nginx-conf", nginxConf,
      "--nginx-bin", options.nginxBin,
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
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const settled = readMemory(watcher.pid);
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
    idleSeconds,
    idleCpuSeconds,
    events: watcher.events().length,
  };
}
