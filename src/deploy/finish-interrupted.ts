// What a killed ngcert run can leave behind, finished or cleared by the next one (under the writer lock, so no other
// run is using any of it): half-done rollbacks, staging files and temp copies beside nginx's configuration, temp
// files of interrupted atomic writes.
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { HOOK_PHASES, hookDir } from "../certbot/hook-paths.js";
import { LEFTOVER } from "../nginx/staged-config.js";
import { stateDirPath } from "../fs/state-dir.js";
import type { Settings } from "../settings/settings.js";
import { finishInterruptedRollbacks } from "./rollback-journal.js";

/** writeFileAtomic's temp name (fs/atomic-write.ts). */
const ATOMIC_TEMP = /^\..+\.ngcert-[0-9a-f]{8}\.tmp$/;

export function finishInterrupted(settings: Settings): string[] {
  const done = finishInterruptedRollbacks(settings.letsencryptDir).map((intent) => `${intent.name}: finished refusing version ${intent.refused} (${intent.reason})`);
  const dirs = new Set([
    path.dirname(settings.nginxConf),
    path.join(settings.nginxDir, "conf.d"),
    path.join(settings.nginxDir, "snippets"),
    ...HOOK_PHASES.map((phase) => hookDir(settings.letsencryptDir, phase)),
    // Renewal confs (renew_before_expiry kept in step) and ngcert's state (the renewal timing).
    path.join(settings.letsencryptDir, "renewal"),
    stateDirPath(settings.letsencryptDir),
  ]);
  for (const dir of dirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!LEFTOVER.test(name) && !ATOMIC_TEMP.test(name)) continue;
      rmSync(path.join(dir, name), { force: true });
      done.push(`removed ${path.join(dir, name)}, left by an interrupted run`);
    }
  }
  // Live directories staged for an exchange that never happened (switch-live-dir.ts).
  const liveRoot = path.join(settings.letsencryptDir, "live");
  let entries: string[] = [];
  try {
    entries = readdirSync(liveRoot);
  } catch {
    entries = [];
  }
  for (const name of entries) {
    if (!/^\..+\.ngcert-staged-[0-9a-f]{8}$/.test(name)) continue;
    rmSync(path.join(liveRoot, name), { recursive: true, force: true });
    done.push(`removed ${path.join(liveRoot, name)}, left by an interrupted run`);
  }
  return done;
}
