// The test nginx's master and worker process ids, read from /proc: a reload replaces the workers, so unchanged
// worker pids prove that nothing reloaded nginx.
import { readdir, readFile } from "node:fs/promises";

export interface NginxProcesses {
  master: number;
  workers: number[];
}

async function parentOf(pid: string): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // The command name is in parentheses and may hold spaces: the fields after the last ")" are "state ppid ...".
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[1] === undefined ? undefined : Number(fields[1]);
}

export async function readNginxProcesses(pidFile: string): Promise<NginxProcesses> {
  const master = Number((await readFile(pidFile, "utf8")).trim());
  const workers: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (/^\d+$/.test(entry) && (await parentOf(entry)) === master) workers.push(Number(entry));
  }
  return { master, workers: workers.sort((a, b) => a - b) };
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
