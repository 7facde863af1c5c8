// Refusing a version takes several steps (four link swaps, four moves): the intent is written first, so a run killed
// between any two of them is finished by the next ngcert command instead of leaving live/ on mixed versions or the
// refused files where certbot would link them again.
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { ensureStateDir } from "../fs/state-dir.js";
import { LINEAGE_KINDS, archiveDirOf, isCompleteVersion, linkedVersion, moveVersionAside, previousCompleteVersion, rejectedDirFor, relinkLineage } from "./lineage-versions.js";

export interface RollbackIntent {
  name: string;
  liveDir: string;
  archiveDir: string;
  refused: number;
  to: number;
  rejectedDir: string;
  reason: string;
  time: string;
}

export type RollbackResult =
  | { rolledBack: true; intent: RollbackIntent; message: string }
  | { rolledBack: false; message: string };

function journalDir(letsencryptDir: string): string {
  return path.join(ensureStateDir(letsencryptDir), "journal");
}

function journalFile(letsencryptDir: string, liveDir: string): string {
  return path.join(journalDir(letsencryptDir), `rollback-${createHash("sha256").update(path.resolve(liveDir)).digest("hex").slice(0, 16)}.json`);
}

/** Refuses the version live/ points at: back to the previous complete version, the refused files out of archive/. */
export function rollBackLineage(letsencryptDir: string, name: string, liveDir: string, reason: string, now: Date): RollbackResult {
  const version = linkedVersion(liveDir);
  const archiveDir = archiveDirOf(liveDir);
  if (version === undefined || archiveDir === undefined) return { rolledBack: false, message: "live/ is not linked to an archive version, nothing rolled back" };
  const previous = previousCompleteVersion(archiveDir, version);
  if (previous === undefined) return { rolledBack: false, message: `there is no earlier complete version to go back to; version ${version} stays in live/ but is not brought into service` };
  const intent: RollbackIntent = { name, liveDir, archiveDir, refused: version, to: previous, rejectedDir: rejectedDirFor(archiveDir, version, now), reason, time: now.toISOString() };
  const file = journalFile(letsencryptDir, liveDir);
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomic(file, `${JSON.stringify(intent)}\n`, 0o600);
  faultStep("rollback intent recorded");
  carryOut(intent);
  rmSync(file, { force: true });
  faultStep("rollback done");
  return { rolledBack: true, intent, message: `live/ points at version ${previous} again; the refused files are in ${intent.rejectedDir}` };
}

function carryOut(intent: RollbackIntent): void {
  // A newer version certbot linked since (a renewal after the interrupted run) is left alone.
  const current = linkedVersions(intent.liveDir);
  const ours = current.every((version) => version === undefined || version === intent.refused || version === intent.to);
  if (ours && isCompleteVersion(intent.archiveDir, intent.to)) relinkLineage(intent.liveDir, intent.archiveDir, intent.to);
  moveVersionAside(intent.archiveDir, intent.refused, intent.rejectedDir, `ngcert refused version ${intent.refused} of ${intent.name} on ${intent.time}:\n${intent.reason}\n`);
}

/** Finishes every rollback a killed run left half done; returns what was finished. */
export function finishInterruptedRollbacks(letsencryptDir: string): RollbackIntent[] {
  let files: string[];
  try {
    files = readdirSync(journalDir(letsencryptDir)).filter((file) => /^rollback-[0-9a-f]{16}\.json$/.test(file));
  } catch {
    return [];
  }
  const finished: RollbackIntent[] = [];
  for (const file of files) {
    const full = path.join(journalDir(letsencryptDir), file);
    let intent: RollbackIntent;
    try {
      intent = JSON.parse(readFileSync(full, "utf8")) as RollbackIntent;
    } catch {
      // Written atomically, so unreadable means someone else's file: leave it for a person.
      continue;
    }
    carryOut(intent);
    rmSync(full, { force: true });
    finished.push(intent);
  }
  return finished;
}

function linkedVersions(liveDir: string): (number | undefined)[] {
  return LINEAGE_KINDS.map((kind) => {
    try {
      const match = /(\d+)\.pem$/.exec(readlinkSync(path.join(liveDir, `${kind}.pem`)));
      return match ? Number(match[1]) : undefined;
    } catch {
      return undefined;
    }
  });
}
