// A receive writes a version's four files into archive/, then (for a new lineage) live/ and the renewal conf, or
// (for a known one) the conf and one atomic switch of live/. More than one rename, so the intent is recorded first;
// the next receive finishes what a killed one left: a version live/ already points at stays (certbot may even have
// linked it itself, on its next run), anything else of that version is removed and the issuer sends it again.
import { existsSync, readdirSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";
import { renewalConfPath } from "../certbot/read-lineage.js";
import { LINEAGE_KINDS, linkedVersion } from "../deploy/lineage-versions.js";
import { faultStep } from "../fs/fault-injection.js";
import { readStateFile, writeStateFile } from "./cluster-state.js";

export interface ReceiveIntent {
  name: string;
  version: number;
  /** The node had no such lineage: undoing removes it whole. */
  newLineage: boolean;
}

const FILE = "receiving.json";

export function readIntents(letsencryptDir: string): ReceiveIntent[] {
  const data = readStateFile<unknown>(letsencryptDir, FILE, []);
  return Array.isArray(data) ? (data as ReceiveIntent[]).filter((entry) => typeof entry?.name === "string" && Number.isInteger(entry.version)) : [];
}

export function recordIntent(letsencryptDir: string, intent: ReceiveIntent): void {
  writeStateFile(letsencryptDir, FILE, [...readIntents(letsencryptDir).filter((entry) => entry.name !== intent.name), intent]);
  faultStep("receive intent recorded");
}

export function clearIntents(letsencryptDir: string, names: readonly string[]): void {
  const left = readIntents(letsencryptDir).filter((entry) => !names.includes(entry.name));
  writeStateFile(letsencryptDir, FILE, left);
}

/** Finishes or undoes what killed receives left; lines saying what was done. */
export function finishInterruptedReceives(letsencryptDir: string): string[] {
  const intents = readIntents(letsencryptDir);
  if (intents.length === 0) return [];
  const done: string[] = [];
  for (const intent of intents) {
    const liveDir = path.join(letsencryptDir, "live", intent.name);
    const archiveDir = path.join(letsencryptDir, "archive", intent.name);
    if (linkedVersion(liveDir) === intent.version) {
      done.push(`${intent.name}: version ${intent.version}, received by an interrupted run, is in live/ and stays`);
      continue;
    }
    for (const kind of LINEAGE_KINDS) rmSync(path.join(archiveDir, `${kind}${intent.version}.pem`), { force: true });
    if (intent.newLineage) {
      rmSync(liveDir, { recursive: true, force: true });
      rmSync(renewalConfPath(letsencryptDir, intent.name), { force: true });
      if (existsSync(archiveDir) && readdirSync(archiveDir).length === 0) rmdirSync(archiveDir);
    }
    done.push(`${intent.name}: removed version ${intent.version}, half received by an interrupted run (the issuer sends it again)`);
  }
  clearIntents(letsencryptDir, intents.map((intent) => intent.name));
  return done;
}
