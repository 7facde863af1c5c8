// The test nginx's master and worker process ids, read from /proc: a reload replaces the workers, so unchanged
// worker pids prove that nothing reloaded nginx.
import { readFile } from "node:fs/promises";
import { readChildren } from "../../src/nginx/nginx-processes.js";

export interface NginxProcesses {
  master: number;
  workers: number[];
}

export async function readNginxProcesses(pidFile: string): Promise<NginxProcesses> {
  const master = Number((await readFile(pidFile, "utf8")).trim());
  return { master, workers: readChildren(master) };
}

/**
 * The processes once a reload has finished: old workers linger until their connections close, so wait until exactly
 * `workers` (the world's worker_processes, 1) are left.
 */
export async function readSettledNginxProcesses(pidFile: string, options: { workers?: number; timeoutMs?: number } = {}): Promise<NginxProcesses> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    const processes = await readNginxProcesses(pidFile);
    if (processes.workers.length === (options.workers ?? 1)) return processes;
    if (Date.now() >= deadline) throw new Error(`nginx ${processes.master} still has workers ${processes.workers.join(", ")} after the reload`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
