// certbot's archive versions: live/<name>/*.pem are relative symlinks to archive/<name>/<kind><N>.pem. Rolling back
// is re-pointing them at an earlier N; refusing a version moves its files out of archive/, because certbot re-links
// live/ to the newest complete version it finds there on its next run (storage.ensure_deployed), without deploy
// hooks. Several steps are not one rename, so a rollback records its intent first (rollback-journal.ts) and whoever
// runs next finishes it.
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import { parseCertificatePems } from "../certs/pem.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";

export const LINEAGE_KINDS = ["cert", "chain", "fullchain", "privkey"] as const;

export function linkedVersion(liveDir: string): number | undefined {
  try {
    const match = /(\d+)\.pem$/.exec(readlinkSync(path.join(liveDir, "cert.pem")));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The archive directory live/<name>/cert.pem points into. */
export function archiveDirOf(liveDir: string): string | undefined {
  try {
    return path.dirname(path.resolve(liveDir, readlinkSync(path.join(liveDir, "cert.pem"))));
  } catch {
    return undefined;
  }
}

/** The version every link points at, or undefined when they disagree or one is not a versioned link. */
export function consistentVersion(liveDir: string): number | undefined {
  const versions = LINEAGE_KINDS.map((kind) => {
    try {
      return /(\d+)\.pem$/.exec(readlinkSync(path.join(liveDir, `${kind}.pem`)))?.[1];
    } catch {
      return undefined;
    }
  });
  return versions.every((version) => version !== undefined && version === versions[0]) ? Number(versions[0]) : undefined;
}

export function isCompleteVersion(archiveDir: string, version: number): boolean {
  return LINEAGE_KINDS.every((kind) => existsSync(path.join(archiveDir, `${kind}${version}.pem`)));
}

export function previousCompleteVersion(archiveDir: string, before: number): number | undefined {
  for (let version = before - 1; version >= 1; version--) if (isCompleteVersion(archiveDir, version)) return version;
  return undefined;
}

/** Moves a refused version's remaining files into `rejectedDir` with a note saying why; safe to repeat. */
export function moveVersionAside(archiveDir: string, version: number, rejectedDir: string, note: string): void {
  mkdirSync(rejectedDir, { recursive: true, mode: 0o700 });
  for (const kind of LINEAGE_KINDS) {
    const file = path.join(archiveDir, `${kind}${version}.pem`);
    if (existsSync(file)) {
      renameSync(file, path.join(rejectedDir, `${kind}${version}.pem`));
      faultStep(`move aside ${kind}`);
    }
  }
  const noteFile = path.join(rejectedDir, "REJECTED.txt");
  if (!existsSync(noteFile)) writeFileAtomic(noteFile, note, 0o644);
}

export function rejectedDirFor(archiveDir: string, version: number, now: Date): string {
  return path.join(archiveDir, "rejected", `${version}-${now.toISOString().replace(/[:.]/g, "-")}`);
}

/**
 * Every version refused before, as `<certificate SHA-256>:<private key file SHA-256>`: a refused version that comes
 * back (a restored backup, a copy, a run killed mid-rollback) is refused again whatever the checks say of it now. The
 * pair, not the certificate alone: a certificate refused for a key that was not its own is fine with its own key.
 */
export function refusedVersions(archiveDir: string | undefined): Set<string> {
  const refused = new Set<string>();
  if (archiveDir === undefined) return refused;
  const rejected = path.join(archiveDir, "rejected");
  let dirs: string[];
  try {
    dirs = readdirSync(rejected);
  } catch {
    return refused;
  }
  for (const dir of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(path.join(rejected, dir));
    } catch {
      continue;
    }
    for (const file of files) {
      const version = /^cert(\d+)\.pem$/.exec(file)?.[1];
      if (version === undefined) continue;
      const identity = versionIdentity(path.join(rejected, dir, file), path.join(rejected, dir, `privkey${version}.pem`));
      if (identity !== undefined) refused.add(identity);
    }
  }
  return refused;
}

/** `<certificate SHA-256>:<private key file SHA-256>` of a version, or undefined when either cannot be read. */
export function versionIdentity(certFile: string, keyFile: string): string | undefined {
  try {
    const [der] = parseCertificatePems(readFileSync(certFile, "utf8"));
    if (!der) return undefined;
    return `${createHash("sha256").update(der).digest("hex")}:${createHash("sha256").update(readFileSync(keyFile)).digest("hex")}`;
  } catch {
    return undefined;
  }
}
