// nginx's master and its children, read from /proc. A reload that nginx accepted starts a new generation of workers;
// one it rejected (a port it cannot bind, a file it cannot read) leaves the old ones alone: new children are the
// proof that the new configuration is loaded.
import { readdirSync, readFileSync } from "node:fs";
import { isProcessAlive, readParentPid } from "../fs/process-alive.js";

/** The master process id from nginx's pid file, when that process is alive. */
export function readMasterPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isProcessAlive(pid) ? pid : undefined;
}

/** The master's children (workers, cache manager and loader), lowest pid first. */
export function readChildren(masterPid: number): number[] {
  const children: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return children;
  }
  for (const entry of entries) {
    if (/^\d+$/.test(entry) && readParentPid(Number(entry)) === masterPid) children.push(Number(entry));
  }
  return children.sort((a, b) => a - b);
}
