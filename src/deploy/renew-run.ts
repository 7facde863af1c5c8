// Coalesces reloads within one `certbot renew` run: the pre hook marks the run (by certbot's process identity), deploy
// hooks of that run verify their lineage and leave the reload to the post hook, which brings everything into service
// with one reload. Outside such a run (certonly, a hook run by hand) deploy reloads at once. The watcher holds back
// while a marked run is active, so the run still causes exactly one reload.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { isSameProcessAlive, readParentPid, readProcessIdentity, type ProcessIdentity } from "../fs/process-alive.js";
import { ensureStateDir, stateDirPath } from "../fs/state-dir.js";

interface RenewRun {
  certbot: ProcessIdentity;
  pending: string[];
}

const FILE = "renew-run.json";

/** The certbot process this hook runs under, found by walking up the process tree (Linux /proc). */
export function findCertbotPid(): number | undefined {
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmdline.some((part) => path.basename(part) === "certbot")) return pid;
    } catch {
      return undefined;
    }
    const parent = readParentPid(pid);
    if (parent === undefined) return undefined;
    pid = parent;
  }
  return undefined;
}

function readRun(letsencryptDir: string): RenewRun | undefined {
  try {
    const data = JSON.parse(readFileSync(path.join(stateDirPath(letsencryptDir), FILE), "utf8")) as Partial<RenewRun>;
    return typeof data.certbot?.pid === "number" && Array.isArray(data.pending) ? (data as RenewRun) : undefined;
  } catch {
    return undefined;
  }
}

function writeRun(letsencryptDir: string, run: RenewRun): void {
  writeFileAtomic(path.join(ensureStateDir(letsencryptDir), FILE), JSON.stringify(run), 0o600);
}

export function startRenewRun(letsencryptDir: string, certbotPid: number): void {
  const certbot = readProcessIdentity(certbotPid);
  if (certbot) writeRun(letsencryptDir, { certbot, pending: [] });
}

/** True when this process runs under the certbot run the pre hook marked. */
export function inMarkedRenewRun(letsencryptDir: string): boolean {
  const run = readRun(letsencryptDir);
  return run !== undefined && run.certbot.pid === findCertbotPid() && isSameProcessAlive(run.certbot);
}

/** True while a marked renewal run's certbot is still running (its post hook will reload). */
export function isRenewRunActive(letsencryptDir: string): boolean {
  const run = readRun(letsencryptDir);
  return run !== undefined && isSameProcessAlive(run.certbot);
}

export function addPendingLineage(letsencryptDir: string, name: string): void {
  const run = readRun(letsencryptDir);
  if (!run) return;
  if (!run.pending.includes(name)) run.pending.push(name);
  writeRun(letsencryptDir, run);
}

/** The lineages deferred in this run; ends the run. */
export function finishRenewRun(letsencryptDir: string): string[] {
  const run = readRun(letsencryptDir);
  if (!run || run.certbot.pid !== findCertbotPid()) return [];
  rmSync(path.join(stateDirPath(letsencryptDir), FILE), { force: true });
  return run.pending;
}
