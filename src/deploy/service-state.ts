// What the last attempt to bring certificates into service left undone: versions that are fit to serve but wait for a
// reload nginx could not take (someone else's broken file, nginx down). verify reads it to say why nginx still serves
// an older certificate; the next successful reload clears it.
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { ensureStateDir, stateDirPath } from "../fs/state-dir.js";

export interface WaitingLineage {
  version: number | undefined;
  fingerprint: string | undefined;
  since: string;
  reason: string;
}

export interface ServiceState {
  lastReload?: { time: string; by: string; ok: boolean; reason?: string };
  waiting: Record<string, WaitingLineage>;
}

const FILE = "service.json";

export function readServiceState(letsencryptDir: string): ServiceState {
  try {
    const data = JSON.parse(readFileSync(path.join(stateDirPath(letsencryptDir), FILE), "utf8")) as Partial<ServiceState>;
    const waiting = typeof data.waiting === "object" && data.waiting !== null ? data.waiting : {};
    return { lastReload: data.lastReload, waiting: Object.assign(Object.create(null) as Record<string, WaitingLineage>, waiting) };
  } catch {
    return { waiting: Object.create(null) as Record<string, WaitingLineage> };
  }
}

export function writeServiceState(letsencryptDir: string, state: ServiceState): void {
  try {
    writeFileAtomic(path.join(ensureStateDir(letsencryptDir), FILE), `${JSON.stringify(state)}\n`, 0o600);
  } catch {
    // Only an explanation for verify: a full disk must not turn a reload into a failure.
  }
}
