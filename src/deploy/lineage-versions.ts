// certbot's archive versions: live/<name>/*.pem are relative symlinks to archive/<name>/<kind><N>.pem. Rolling back
// is re-pointing them at an earlier N; refusing a version moves its files out of archive/, because certbot re-links
// live/ to the newest complete version it finds there on its next run.
import { existsSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";

export const LINEAGE_KINDS = ["cert", "chain", "fullchain", "privkey"] as const;

export function linkedVersion(liveDir: string): number | undefined {
  try {
    const match = /(\d+)\.pem$/.exec(readlinkSync(path.join(liveDir, "cert.pem")));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function previousCompleteVersion(archiveDir: string, before: number): number | undefined {
  for (let version = before - 1; version >= 1; version--) {
    if (LINEAGE_KINDS.every((kind) => existsSync(path.join(archiveDir, `${kind}${version}.pem`)))) return version;
  }
  return undefined;
}

/** Points every live/ link at `version`, each swapped atomically (new link, then rename over the old one). */
export function relinkLineage(liveDir: string, archiveDir: string, version: number): void {
  for (const kind of LINEAGE_KINDS) {
    const link = path.join(liveDir, `${kind}.pem`);
    const temp = path.join(liveDir, `.${kind}.pem.ngcert-tmp`);
    rmSync(temp, { force: true });
    symlinkSync(path.relative(liveDir, path.join(archiveDir, `${kind}${version}.pem`)), temp);
    renameSync(temp, link);
  }
}

/** Moves a refused version's files into archive/<name>/rejected/<version>-<time>/ with a note saying why. */
export function rejectVersion(archiveDir: string, version: number, reason: string, now: Date): string {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  const dir = path.join(archiveDir, "rejected", `${version}-${stamp}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  for (const kind of LINEAGE_KINDS) {
    const file = path.join(archiveDir, `${kind}${version}.pem`);
    if (existsSync(file)) renameSync(file, path.join(dir, `${kind}${version}.pem`));
  }
  writeFileSync(path.join(dir, "REJECTED.txt"), `ngcert refused version ${version} on ${now.toISOString()}:\n${reason}\n`, { mode: 0o644 });
  return dir;
}

/** Refuses the version live/ points at: back to the previous complete version, the refused files out of archive/. */
export function rollBackLineage(liveDir: string, reason: string, now: Date): string {
  const version = linkedVersion(liveDir);
  if (version === undefined) return "live/ is not linked to an archive version, nothing rolled back";
  const archiveDir = path.dirname(path.resolve(liveDir, readlinkSync(path.join(liveDir, "cert.pem"))));
  const previous = previousCompleteVersion(archiveDir, version);
  if (previous === undefined) return "there is no previous version to go back to";
  relinkLineage(liveDir, archiveDir, previous);
  const rejected = rejectVersion(archiveDir, version, reason, now);
  return `live/ points at version ${previous} again; the refused files are in ${rejected}`;
}
