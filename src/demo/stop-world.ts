// Stops a demo world: its nginx (whichever master runs its configuration now), then every recorded process, then
// removes its directory. The same steps for a finished demo, a failed or interrupted one, and `ngcert demo --stop`.
import { readFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { isProcessAlive, readStartTicks } from "../fs/process-alive.js";
import { readChildren, readMasterPid } from "../nginx/nginx-processes.js";
import { sleep } from "../world/wait.js";
import type { RecordedProcess, WorldRecord } from "./world-record.js";

const GRACE_MS = 5_000;

/** Gone, or a zombie waiting for its parent to reap it: either way it holds no port and runs nothing. */
function isGone(pid: number): boolean {
  if (!isProcessAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).startsWith("Z");
  } catch {
    return true;
  }
}

function isSame(process: RecordedProcess): boolean {
  return !isGone(process.pid) && (process.startTicks === undefined || readStartTicks(process.pid) === process.startTicks);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Gone meanwhile.
  }
}

/** SIGTERM, then SIGKILL (to `also` too) when it has not gone within the grace period. */
async function terminate(pid: number, also: () => number[] = () => []): Promise<void> {
  const stragglers = also();
  signal(pid, "SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  while (!isGone(pid) && Date.now() < deadline) await sleep(25);
  if (!isGone(pid)) signal(pid, "SIGKILL");
  for (const child of stragglers) if (!isGone(child)) signal(child, "SIGKILL");
  const end = Date.now() + 2_000;
  while (!isGone(pid) && Date.now() < end) await sleep(25);
}

/** The master of the world's nginx, when the pid file names a live nginx running the world's configuration. */
export function findWorldNginx(record: WorldRecord): number | undefined {
  const master = readMasterPid(record.nginx.pidFile);
  if (master === undefined || isGone(master)) return undefined;
  try {
    // nginx sets its title to "nginx: master process <command line>": the configuration is on it.
    return readFileSync(`/proc/${master}/cmdline`, "utf8").includes(record.nginx.conf) ? master : undefined;
  } catch {
    return undefined;
  }
}

export interface StopReport {
  /** Names of the processes that were still running and were stopped. */
  stopped: string[];
}

export async function stopWorld(record: WorldRecord, options: { removeDir: boolean }): Promise<StopReport> {
  const stopped: string[] = [];
  // nginx first: nothing reaches the upstreams any more while they stop. SIGTERM is nginx's fast shutdown.
  const master = findWorldNginx(record);
  if (master !== undefined) {
    await terminate(master, () => readChildren(master));
    stopped.push("nginx");
  }
  for (const recorded of [...record.processes].reverse()) {
    if (!isSame(recorded)) continue;
    await terminate(recorded.pid);
    stopped.push(recorded.name);
  }
  if (options.removeDir) await rm(record.root, { recursive: true, force: true });
  return { stopped };
}
