// Reloads nginx gracefully with the configured reload command and confirms that nginx loaded the new configuration:
// a reload command that exits 0 proves only that a signal was sent. nginx answers SIGHUP by starting a new generation
// of workers, or, when it cannot apply the configuration (a port it cannot bind, a file it cannot open), by logging
// why and keeping the old workers. So: new children of the same master within the time limit, else the reason
// from nginx's error log.
import { openSync, readSync, closeSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { Exec } from "../exec.js";
import { NgcertError, describeError, escapeControl } from "../errors.js";
import { faultStep } from "../fs/fault-injection.js";
import type { Settings } from "../settings/settings.js";
import { readChildren, readMasterPid } from "./nginx-processes.js";

export interface ReloadTarget {
  pidFile: string | undefined;
  errorLog: string | undefined;
}

export interface ReloadConfirmation {
  masterPid: number;
  /** The new generation's processes. */
  newChildren: number[];
  durationMs: number;
}

export async function reloadNginx(settings: Settings, exec: Exec, target: ReloadTarget, options: { confirmTimeoutMs?: number } = {}): Promise<ReloadConfirmation> {
  const started = Date.now();
  const masterPid = target.pidFile === undefined ? undefined : readMasterPid(target.pidFile);
  if (masterPid === undefined) throw new NgcertError("RELOAD_FAILED", `nginx is not running (no live process in ${target.pidFile ?? "its pid file"}): start nginx`);
  const before = new Set(readChildren(masterPid));
  const logOffset = sizeOf(target.errorLog);
  const [program, ...args] = settings.reloadCmd;
  faultStep("reload");
  try {
    await exec(program!, args, { timeoutMs: settings.reloadTimeoutMs, ownProcessGroup: true });
  } catch (error) {
    throw new NgcertError("RELOAD_FAILED", `reloading nginx failed: ${describeError(error)}`, { cause: error, details: error instanceof NgcertError ? error.details : undefined });
  }
  const deadline = Date.now() + (options.confirmTimeoutMs ?? settings.reloadTimeoutMs);
  for (;;) {
    const current = target.pidFile === undefined ? undefined : readMasterPid(target.pidFile);
    if (current !== undefined && current !== masterPid) {
      // The reload command restarted nginx instead (e.g. `systemctl restart`): the new master runs the new config.
      return { masterPid: current, newChildren: readChildren(current), durationMs: Date.now() - started };
    }
    if (current === undefined) throw new NgcertError("RELOAD_FAILED", `nginx stopped during the reload (master ${masterPid} is gone)${reasonFrom(target.errorLog, logOffset)}`);
    const fresh = readChildren(masterPid).filter((pid) => !before.has(pid));
    if (fresh.length > 0) return { masterPid, newChildren: fresh, durationMs: Date.now() - started };
    // The master logs [emerg] when it cannot apply the configuration (a port it cannot bind), then keeps the old one:
    // no need to wait out the time limit.
    const rejected = emergSince(target.errorLog, logOffset);
    if (rejected !== undefined || Date.now() >= deadline) {
      throw new NgcertError(
        "RELOAD_FAILED",
        `nginx did not load the new configuration: the reload was sent, but master ${masterPid} started no new workers${reasonFrom(target.errorLog, logOffset)}; nginx keeps serving its previous configuration`,
      );
    }
    await sleep(20);
  }
}

function sizeOf(file: string | undefined): number {
  if (file === undefined) return 0;
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readSince(errorLog: string | undefined, offset: number): string {
  if (errorLog === undefined) return "";
  try {
    const fd = openSync(errorLog, "r");
    try {
      const buffer = Buffer.alloc(Math.min(65_536, Math.max(0, statSync(errorLog).size - offset)));
      readSync(fd, buffer, 0, buffer.length, offset);
      return buffer.toString("utf8");
    } finally {
      closeSync(fd);
    }
  } catch {
    return "";
  }
}

function emergSince(errorLog: string | undefined, offset: number): string | undefined {
  return readSince(errorLog, offset)
    .split("\n")
    .find((entry) => entry.includes("[emerg]"));
}

/** The first emerg/alert/crit line nginx logged since `offset`, as " (…)". */
function reasonFrom(errorLog: string | undefined, offset: number): string {
  if (errorLog === undefined) return "";
  const text = readSince(errorLog, offset);
  const line = text.split("\n").find((entry) => /\[(emerg|alert|crit)\]/.test(entry));
  if (line === undefined) return ` (see ${errorLog})`;
  return ` (${escapeControl(line.replace(/^.*?\[(emerg|alert|crit)\] \d+#\d+: /, ""))}, from ${errorLog})`;
}
