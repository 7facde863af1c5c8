// Applies one planned fix as every ngcert write is made: each file atomically with its previous version kept until
// the step succeeded, nginx -t and a reload, then the challenge proven through nginx by a real token; anything that
// fails puts every file back (and nginx back on the previous configuration).
import { readFileSync, statSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { challengeSettings } from "./examine.js";
import type { Exec } from "../exec.js";
import { NgcertError, isNodeError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { readNginxState } from "../nginx/read-nginx-state.js";
import { makeAddressFor } from "../checks/challenge-paths.js";
import { probeAcmePath, type AcmeProbe } from "../served/probe-acme-path.js";
import type { Settings } from "../settings/settings.js";
import { bringConfigIntoService, type ServiceOutcome } from "./bring-into-service.js";
import type { PlannedFix } from "./plan-repairs.js";

export interface FixOutcome {
  fix: PlannedFix;
  applied: boolean;
  /** Why it was put back, or what proved it. */
  detail: string;
}

function currentText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return undefined;
    throw error;
  }
}

function modeOf(file: string): number {
  try {
    return statSync(file).mode & 0o7777;
  } catch {
    return 0o644;
  }
}

/** Old workers answer for a moment after a reload: the proof is asked again until it holds or time is up. */
async function prove(settings: Settings, exec: Exec, fix: PlannedFix, timeoutMs: number): Promise<AcmeProbe[]> {
  const nginx = await readNginxState(settings, exec);
  const addressFor = await makeAddressFor(nginx, challengeSettings(settings), fix.prove.map((item) => item.domain));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const probes = (await Promise.all([...new Set(fix.prove.map((item) => item.webroot))].map((webroot) => probeAcmePath({ webroot, domains: fix.prove.filter((item) => item.webroot === webroot).map((item) => item.domain), httpPort: settings.httpPort, httpsPort: settings.httpsPort, addressFor })))).flat();
    if (probes.every((probe) => probe.ok) || Date.now() >= deadline) return probes;
    await sleep(200);
  }
}

export async function applyFix(settings: Settings, exec: Exec, fix: PlannedFix, options: { proofTimeoutMs?: number } = {}): Promise<FixOutcome> {
  const transaction = new FileTransaction();
  let service: ServiceOutcome | undefined;
  try {
    for (const change of fix.changes) {
      if (currentText(change.path) !== change.before) throw new NgcertError("CONFLICT", `${change.path} changed since it was examined`);
      transaction.write(change.path, change.after, modeOf(change.path));
    }
    if (!fix.reload) return { fix, applied: true, detail: "written" };
    service = await bringConfigIntoService(settings, exec);
    if (service === "not-running") return { fix, applied: true, detail: "nginx -t passed; nginx is not running, so it takes effect when nginx starts" };
    const probes = await prove(settings, exec, fix, options.proofTimeoutMs ?? 10_000);
    const failed = probes.filter((probe) => !probe.ok);
    if (failed.length > 0) throw new NgcertError("PROBLEMS", `the challenge still fails through nginx: ${failed.map((probe) => probe.seen).join("; ")}`);
    return { fix, applied: true, detail: `nginx -t passed, nginx reloaded, and the challenge now passes for ${probes.map((probe) => probe.domain).join(", ")}` };
  } catch (error) {
    transaction.rollback();
    let restored = "";
    if (service === "reloaded") {
      try {
        await bringConfigIntoService(settings, exec);
        restored = "; nginx is back on the previous configuration";
      } catch (reloadError) {
        restored = `; reloading the previous configuration failed too: ${reloadError instanceof Error ? reloadError.message : String(reloadError)}`;
      }
    }
    const why = error instanceof NgcertError ? `${error.message}${error.details ? `: ${error.details.trim().split("\n")[0]}` : ""}` : error instanceof Error ? error.message : String(error);
    return { fix, applied: false, detail: `${why}; every file was put back${restored}` };
  }
}
