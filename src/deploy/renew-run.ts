// Coalesces reloads within one `certbot renew` run: the pre hook marks the run (by certbot's process id), deploy
// hooks of that run verify their lineage and leave the reload to the post hook, which reloads nginx once and verifies
// every deferred lineage. Outside such a run (certonly, a hook run by hand) deploy reloads at once.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

interface RenewRun {
  certbotPid: number;
  pending: string[];
}

const FILE = ".ngcert-renew-run.json";

/** The certbot process this hook runs under, found by walking up the process tree (Linux /proc). */
export function findCertbotPid(): number | undefined {
  let pid = process.ppid;
  for (let depth = 0; depth < 6 && pid > 1; depth++) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (cmdline.some((part) => path.basename(part) === "certbot")) return pid;
      pid = Number(readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "").split(" ")[1]);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function readRun(letsencryptDir: string): RenewRun | undefined {
  try {
    const data = JSON.parse(readFileSync(path.join(letsencryptDir, FILE), "utf8")) as Partial<RenewRun>;
    return typeof data.certbotPid === "number" && Array.isArray(data.pending) ? (data as RenewRun) : undefined;
  } catch {
    return undefined;
  }
}

export function startRenewRun(letsencryptDir: string, certbotPid: number): void {
  writeFileSync(path.join(letsencryptDir, FILE), JSON.stringify({ certbotPid, pending: [] } satisfies RenewRun), { mode: 0o600 });
}

/** True when this process runs under the certbot run the pre hook marked. */
export function inMarkedRenewRun(letsencryptDir: string): boolean {
  const run = readRun(letsencryptDir);
  return run !== undefined && run.certbotPid === findCertbotPid();
}

export function addPendingLineage(letsencryptDir: string, name: string): void {
  const run = readRun(letsencryptDir);
  if (!run) return;
  if (!run.pending.includes(name)) run.pending.push(name);
  writeFileSync(path.join(letsencryptDir, FILE), JSON.stringify(run), { mode: 0o600 });
}

/** The lineages deferred in this run; ends the run. */
export function finishRenewRun(letsencryptDir: string): string[] {
  const run = readRun(letsencryptDir);
  if (!run || run.certbotPid !== findCertbotPid()) return [];
  rmSync(path.join(letsencryptDir, FILE), { force: true });
  return run.pending;
}
