// Is a process alive, and is it still the same process? A pid alone is not enough: after a reboot or a long uptime
// the number is reused, so a process is named by its pid, its start time (clock ticks since boot, /proc/PID/stat
// field 22) and the boot it started in.
import { readFileSync } from "node:fs";
import { isNodeError } from "../errors.js";

export interface ProcessIdentity {
  pid: number;
  /** undefined where /proc is not available. */
  startTicks: number | undefined;
  bootId: string | undefined;
}

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return isNodeError(error) && error.code === "EPERM";
  }
}

function readBootId(): string | undefined {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
  } catch {
    return undefined;
  }
}

/** The start time field of /proc/PID/stat: the fields after the last ")" (the command name may hold spaces). */
export function readStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

export function readProcessIdentity(pid: number): ProcessIdentity | undefined {
  if (!isProcessAlive(pid)) return undefined;
  return { pid, startTicks: readStartTicks(pid), bootId: readBootId() };
}

export function isSameProcessAlive(identity: ProcessIdentity): boolean {
  if (!isProcessAlive(identity.pid)) return false;
  if (identity.bootId !== undefined && identity.bootId !== readBootId()) return false;
  if (identity.startTicks !== undefined && identity.startTicks !== readStartTicks(identity.pid)) return false;
  return true;
}

/** The parent of a process, from /proc (undefined when it cannot be read). */
export function readParentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(parent) ? parent : undefined;
  } catch {
    return undefined;
  }
}
