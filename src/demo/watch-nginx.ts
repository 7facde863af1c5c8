// Watches the demo's nginx from the outside while a renewal runs, through its pid file and /proc: when it reloaded (a
// new generation of workers under the same master), stopped (the master gone) and started (a new master). What the
// timeline marks, measured and not taken from anyone's word.
import { readFileSync } from "node:fs";
import { readChildren, readMasterPid } from "../nginx/nginx-processes.js";

export type NginxEventKind = "reloaded" | "stopped" | "started";

export interface NginxEvent {
  kind: NginxEventKind;
  /** Date.now() when it was seen (within one poll interval of when it happened). */
  at: number;
}

export interface NginxWatch {
  events: NginxEvent[];
  stop(): void;
}

/**
 * The master's children. Linux lists a thread's children in /proc/PID/task/PID/children, one small read that can be
 * repeated every few milliseconds; scanning all of /proc is the fallback where that file is missing.
 */
function readMasterChildren(master: number): number[] {
  try {
    return readFileSync(`/proc/${master}/task/${master}/children`, "utf8").split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return readChildren(master);
  }
}

export function watchNginx(pidFile: string, options: { intervalMs?: number } = {}): NginxWatch {
  const events: NginxEvent[] = [];
  let master = readMasterPid(pidFile);
  let children = new Set(master === undefined ? [] : readMasterChildren(master));
  const poll = (): void => {
    const now = readMasterPid(pidFile);
    const at = Date.now();
    if (now === undefined) {
      if (master !== undefined) events.push({ kind: "stopped", at });
      master = undefined;
      children = new Set();
      return;
    }
    const current = readMasterChildren(now);
    if (now !== master) events.push({ kind: "started", at });
    // A worker that was not there before under the same master, which had workers already: nginx loaded a
    // configuration again (a master that has just started is still forking its first ones).
    else if (children.size > 0 && current.some((pid) => !children.has(pid))) events.push({ kind: "reloaded", at });
    master = now;
    children = new Set(current);
  };
  const timer = setInterval(poll, options.intervalMs ?? 10);
  return {
    events,
    stop: () => clearInterval(timer),
  };
}
