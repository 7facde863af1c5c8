// Watches the demo's nginx from the outside while a renewal runs, through its pid file and /proc: when it reloaded (a
// new generation of workers under the same master), stopped (the master gone) and started (a new master). What the
// timeline marks, measured and not taken from anyone's word.
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

export function watchNginx(pidFile: string, options: { intervalMs?: number } = {}): NginxWatch {
  const events: NginxEvent[] = [];
  let master = readMasterPid(pidFile);
  let children = new Set(master === undefined ? [] : readChildren(master));
  const poll = (): void => {
    const now = readMasterPid(pidFile);
    const at = Date.now();
    if (now === undefined) {
      if (master !== undefined) events.push({ kind: "stopped", at });
      master = undefined;
      children = new Set();
      return;
    }
    const current = readChildren(now);
    if (now !== master) events.push({ kind: "started", at });
    // A worker that was not there before under the same master: nginx loaded a configuration again.
    else if (current.some((pid) => !children.has(pid))) events.push({ kind: "reloaded", at });
    master = now;
    children = new Set(current);
  };
  const timer = setInterval(poll, options.intervalMs ?? 40);
  return {
    events,
    stop: () => clearInterval(timer),
  };
}
