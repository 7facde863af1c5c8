// Which lineages a letsencrypt dir holds, as certbot finds them: every `renewal/*.conf` the way Python's glob matches it
// (dot-files such as an editor's `.#name.conf` lock skipped, case-sensitive, sorted by file name), plus the live/
// directories that might hold a certificate no conf points at (a conf may point anywhere, so whether such a directory
// is really an orphan is decided once the confs are read: see findOrphanLiveDirs).
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { NgcertError, isNodeError } from "../errors.js";
import type { LineagePaths } from "./lineage.js";

export interface LineageEntry {
  name: string;
  hasConf: boolean;
}

export interface LetsencryptListing {
  /** Lineage names of renewal/*.conf, in the order certbot processes them. */
  confs: string[];
  /** Directories in live/ named after no conf: orphans unless some conf points into them. */
  liveCandidates: string[];
}

/** Python's order for str: by code point (JavaScript's `<` compares UTF-16 units, which differs past U+FFFF). */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // A surrogate (half of a code point above U+FFFF) outranks every other UTF-16 unit above it in code point order.
    const surrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdfff;
    if (surrogate(x) || surrogate(y)) return a.codePointAt(i)! - b.codePointAt(i)!;
    return x - y;
  }
  return a.length - b.length;
}

export function listLetsencryptDir(letsencryptDir: string): LetsencryptListing {
  let stat;
  try {
    stat = statSync(letsencryptDir);
  } catch (error) {
    const reason = isNodeError(error) && error.code === "ENOENT" ? "does not exist" : `cannot be read (${isNodeError(error) ? error.code : String(error)})`;
    throw new NgcertError("INVALID_INPUT", `letsencrypt dir ${letsencryptDir} ${reason}; point --letsencrypt-dir at certbot's config dir`, { cause: error });
  }
  if (!stat.isDirectory()) throw new NgcertError("INVALID_INPUT", `letsencrypt dir ${letsencryptDir} is not a directory`);
  const confFiles = readDir(path.join(letsencryptDir, "renewal"))
    .filter((file) => !file.startsWith(".") && file.endsWith(".conf"))
    .sort(compareCodePoints);
  const confs = confFiles.map((file) => file.slice(0, -".conf".length));
  const named = new Set(confs);
  const liveDir = path.join(letsencryptDir, "live");
  // Names only (a stat each would cost thousands of calls): just the few not named after a conf are checked further.
  const liveCandidates = readDir(liveDir)
    .filter((name) => !name.startsWith(".") && !named.has(name) && isDirectory(path.join(liveDir, name)))
    .sort((a, b) => compareCodePoints(`${a}.conf`, `${b}.conf`));
  return { confs, liveCandidates };
}

/** Every lineage name, confs and live/ candidates, in one list ordered as certbot orders conf files. */
export function listLineages(letsencryptDir: string): LineageEntry[] {
  const { confs, liveCandidates } = listLetsencryptDir(letsencryptDir);
  return [...confs.map((name) => ({ name, hasConf: true })), ...liveCandidates.map((name) => ({ name, hasConf: false }))].sort((a, b) =>
    compareCodePoints(`${a.name}.conf`, `${b.name}.conf`),
  );
}

/** The live/ candidates no conf's files lie in: the directories certbot really has no renewal conf for. */
export function findOrphanLiveDirs(letsencryptDir: string, candidates: readonly string[], confPaths: readonly LineagePaths[]): string[] {
  if (candidates.length === 0) return [];
  const used = new Set<string>();
  for (const paths of confPaths) for (const file of [paths.cert, paths.chain, paths.fullchain, paths.privkey]) used.add(path.dirname(path.resolve(file)));
  const unmatched = candidates.filter((name) => !used.has(path.resolve(letsencryptDir, "live", name)));
  if (unmatched.length === 0) return [];
  // The letsencrypt dir may be reached through a symlink the confs do not use: compare the directories themselves.
  const identity = (dir: string): string | undefined => {
    try {
      const stat = statSync(dir);
      return `${stat.dev}:${stat.ino}`;
    } catch {
      return undefined;
    }
  };
  const usedIds = new Set([...used].map(identity).filter((id): id is string => id !== undefined));
  return unmatched.filter((name) => {
    const id = identity(path.join(letsencryptDir, "live", name));
    return id === undefined || !usedIds.has(id);
  });
}

function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function readDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return [];
    throw new NgcertError("INVALID_INPUT", `${dir} cannot be read (${isNodeError(error) ? error.code : String(error)})`, { cause: error });
  }
}
