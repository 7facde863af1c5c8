// Applies one planned fix as every ngcert write is made: nginx files staged under hidden names and tested with
// `nginx -t` before an include can see them, then each file replaced atomically with its previous version kept until
// the step succeeded, nginx brought into service through the one door (reload confirmed), and the challenge proven
// by a real token through nginx. Anything that fails puts every file back and nginx on the previous configuration.
import { readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { challengeSettingsOf, makeAddressFor } from "../checks/challenge-paths.js";
import { bringIntoService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError, isNodeError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { readNginxState } from "../nginx/read-nginx-state.js";
import { stagingPathFor, testStagedConfig } from "../nginx/staged-config.js";
import { probeAcmePath, type AcmeProbe } from "../served/probe-acme-path.js";
import type { Settings } from "../settings/settings.js";
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

/** The one place doctor --fix reloads nginx: through the door every reload goes through. */
async function intoService(settings: Settings, exec: Exec, now: Date): Promise<ReloadOutcome> {
  return (await bringIntoService(settings, exec, { by: "doctor --fix", now, configChanged: true })).reload;
}

/** Old workers answer for a moment after a reload: the proof is asked again until it holds or time is up. */
async function prove(settings: Settings, exec: Exec, fix: PlannedFix, timeoutMs: number): Promise<AcmeProbe[]> {
  const nginx = await readNginxState(settings, exec);
  const addressFor = await makeAddressFor(nginx, challengeSettingsOf(settings), fix.prove.map((item) => item.domain));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const webroots = [...new Set(fix.prove.map((item) => item.webroot))];
    const probes = (await Promise.all(webroots.map((webroot) => probeAcmePath({ webroot, domains: fix.prove.filter((item) => item.webroot === webroot).map((item) => item.domain), httpPort: settings.httpPort, httpsPort: settings.httpsPort, addressFor })))).flat();
    if (probes.every((probe) => probe.ok) || Date.now() >= deadline) return probes;
    await sleep(200);
  }
}

/** nginx -t on the configuration as it will be, the changed files staged where no include glob sees them yet. */
async function testStaged(settings: Settings, exec: Exec, fix: PlannedFix): Promise<void> {
  const staged = fix.changes.map((change) => ({ finalPath: change.path, stagedPath: stagingPathFor(change.path), content: change.after, mode: modeOf(change.path) }));
  try {
    for (const entry of staged) writeFileSync(entry.stagedPath, entry.content, { mode: entry.mode, flag: "wx" });
    await testStagedConfig(settings, exec, staged);
  } finally {
    for (const entry of staged) rmSync(entry.stagedPath, { force: true });
  }
}

export async function applyFix(settings: Settings, exec: Exec, fix: PlannedFix, options: { now: () => Date; proofTimeoutMs?: number }): Promise<FixOutcome> {
  for (const change of fix.changes) {
    if (currentText(change.path) !== change.before) return { fix, applied: false, detail: `${change.path} changed since it was examined; nothing was changed` };
  }
  if (fix.reload) {
    try {
      await testStaged(settings, exec, fix);
    } catch (error) {
      return { fix, applied: false, detail: `${describeError(error)}; nothing was changed` };
    }
  }
  const transaction = new FileTransaction();
  let reloaded = false;
  try {
    for (const change of fix.changes) transaction.write(change.path, change.after, modeOf(change.path));
    if (!fix.reload) return { fix, applied: true, detail: "written" };
    const reload = await intoService(settings, exec, options.now());
    if (reload.status === "nginx-down") return { fix, applied: true, detail: "nginx -t passed; nginx is not running, so it takes effect when nginx starts" };
    if (reload.status !== "reloaded") throw new NgcertError("RELOAD_FAILED", "reason" in reload ? reload.reason : `nginx was not reloaded (${reload.status})`);
    reloaded = true;
    const probes = await prove(settings, exec, fix, options.proofTimeoutMs ?? 10_000);
    const failed = probes.filter((probe) => !probe.ok);
    if (failed.length > 0) throw new NgcertError("PROBLEMS", `the challenge still fails through nginx: ${failed.map((probe) => probe.seen).join("; ")}`);
    return { fix, applied: true, detail: `nginx -t passed, nginx reloaded, and the challenge now passes for ${probes.map((probe) => probe.domain).join(", ")}` };
  } catch (error) {
    transaction.rollback();
    let restored = "";
    if (reloaded) {
      const back = await intoService(settings, exec, options.now()).catch((reloadError: unknown) => ({ status: "failed" as const, reason: describeError(reloadError) }));
      restored = back.status === "reloaded" ? "; nginx is back on the previous configuration" : `; reloading the previous configuration failed too: ${"reason" in back ? back.reason : back.status}`;
    }
    const why = error instanceof NgcertError ? `${error.message}${error.details ? `: ${error.details.trim().split("\n")[0]}` : ""}` : describeError(error);
    return { fix, applied: false, detail: `${why}; every file was put back${restored}` };
  }
}
