// Refusing a version puts the previous certificate back into live/ without a moment in which certbot or nginx could
// see something half done. It rolls forward: the previous version's files are copied as a new, highest version T, live/
// is switched to T in one atomic directory exchange, and only then does the refused version N leave archive/. certbot
// re-links live/ to the newest complete version on every run (storage.ensure_deployed, without deploy hooks): with
// T newer than N it never picks N again, even if a run is killed before N is moved. The intent is written first, so a
// killed run is finished by the next ngcert command.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { createHash, randomBytes } from "node:crypto";
import { describeError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { ensureStateDir } from "../fs/state-dir.js";
import { LINEAGE_KINDS, archiveDirOf, consistentVersion, isCompleteVersion, linkedVersion, moveVersionAside, previousCompleteVersion, rejectedDirFor } from "./lineage-versions.js";
import { switchLiveDir } from "./switch-live-dir.js";

export interface RollbackIntent {
  name: string;
  liveDir: string;
  archiveDir: string;
  /** The version refused. */
  refused: number;
  /** The earlier version whose certificate comes back. */
  source: number;
  /** The new version number it comes back as. */
  target: number;
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

/** Refuses the version live/ points at: the previous complete version comes back (as a new version), the refused one leaves archive/. */
export function rollBackLineage(letsencryptDir: string, name: string, liveDir: string, reason: string, now: Date): RollbackResult {
  const version = linkedVersion(liveDir);
  const archiveDir = archiveDirOf(liveDir);
  if (version === undefined || archiveDir === undefined) return { rolledBack: false, message: "live/ is not linked to an archive version, nothing rolled back" };
  const source = previousCompleteVersion(archiveDir, version);
  if (source === undefined) return { rolledBack: false, message: `there is no earlier complete version to go back to; version ${version} stays in live/ but is not brought into service` };
  const intent: RollbackIntent = {
    name,
    liveDir,
    archiveDir,
    refused: version,
    source,
    target: highestVersion(archiveDir) + 1,
    rejectedDir: rejectedDirFor(archiveDir, version, now),
    reason,
    time: now.toISOString(),
  };
  const file = journalFile(letsencryptDir, liveDir);
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, `${JSON.stringify(intent)}\n`, 0o600);
    faultStep("rollback intent recorded");
    carryOut(intent);
    rmSync(file, { force: true });
    faultStep("rollback done");
  } catch (error) {
    // A full disk, a read-only filesystem: the version stays where it is and is not brought into service; a journal
    // that was written is carried out by the next ngcert command.
    return { rolledBack: false, message: `it could not be rolled back (${describeError(error)}); version ${version} stays in live/ but is not brought into service, and the next ngcert command tries again` };
  }
  return {
    rolledBack: true,
    intent,
    message: `live/ points at the previous certificate again (version ${source}, now as version ${intent.target}); the refused files are in ${intent.rejectedDir}`,
  };
}

/** Every step is safe to repeat: a killed run's journal is carried out again from the start. */
function carryOut(intent: RollbackIntent): void {
  const { archiveDir, liveDir, source, target } = intent;
  for (const file of readdirSync(archiveDir)) if (/^\..+\.ngcert-[0-9a-f]{8}\.tmp$/.test(file)) rmSync(path.join(archiveDir, file), { force: true });
  if (!isCompleteVersion(archiveDir, target) && isCompleteVersion(archiveDir, source)) {
    for (const kind of LINEAGE_KINDS) copyVersionFile(archiveDir, kind, source, target);
  }
  // A version certbot renewed since (newer than both) is left alone; so is a lineage already on the target.
  const current = consistentVersion(liveDir);
  const ours = current === undefined || current === intent.refused;
  if (ours && isCompleteVersion(archiveDir, target)) switchLiveDir(liveDir, archiveDir, target);
  moveVersionAside(archiveDir, intent.refused, intent.rejectedDir, `ngcert refused version ${intent.refused} of ${intent.name} on ${intent.time}:\n${intent.reason}\n`);
}

/** Copies archive/<kind><from>.pem to <kind><to>.pem with its mode (private keys stay 0600), via temp + rename. */
function copyVersionFile(archiveDir: string, kind: string, from: number, to: number): void {
  const source = path.join(archiveDir, `${kind}${from}.pem`);
  const target = path.join(archiveDir, `${kind}${to}.pem`);
  if (existsSync(target)) return;
  const temp = path.join(archiveDir, `.${kind}${to}.pem.ngcert-${randomBytes(4).toString("hex")}.tmp`);
  copyFileSync(source, temp);
  chmodSync(temp, statSync(source).mode & 0o777);
  renameSync(temp, target);
  faultStep(`copied ${kind}${from} as ${kind}${to}`);
}

function highestVersion(archiveDir: string): number {
  let highest = 0;
  for (const file of readdirSync(archiveDir)) {
    const match = /^(?:cert|chain|fullchain|privkey)(\d+)\.pem$/.exec(file);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest;
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
    try {
      carryOut(intent);
      rmSync(full, { force: true });
      finished.push(intent);
    } catch {
      // Still no room (or no right): the journal stays, and every ngcert command tries again.
    }
  }
  return finished;
}
