// A cache of lineage facts across runs. An entry is used only while every file it was read from has the same device,
// inode, size, mtime and ctime, and only by the build of ngcert that wrote it; clock-dependent checks are never
// cached. Any doubt means "read again".
import { isAscii } from "node:buffer";
import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { writeAllSync } from "../fs/write-all.js";
import type { LineageFacts, LineagePaths } from "../certbot/lineage.js";

// 2: names in certbot's order, certbot's refusals as problems. 3: facts carry renewBeforeExpiry.
const FORMAT = 3;
declare const NGCERT_BUILD: string;
/**
 * The program that judged the cached facts (scripts/build.mjs: a digest of the sources it bundled). Verdicts are the
 * program's: after an upgrade that judges a file differently, the file has not changed, so the stamps alone would keep
 * the old verdict until the next renewal.
 */
const PROGRAM = typeof NGCERT_BUILD === "string" ? NGCERT_BUILD : "source";
/** Changes this recent (ms) are too close to the read to trust a stamp: Linux advances file times in ticks of a few ms. */
export const RACY_MS = 100;

interface Entry {
  stamp: string;
  facts: LineageFacts;
}

interface CacheFile {
  format: number;
  program: string;
  letsencryptDir: string;
  entries: Record<string, Entry>;
}

export function stampFile(file: string | undefined): string {
  if (file === undefined) return "-";
  try {
    const stat = statSync(file);
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
  } catch {
    return "missing";
  }
}

export function stampPaths(paths: LineagePaths): string {
  return [paths.cert, paths.chain, paths.fullchain, paths.privkey].map(stampFile).join("|");
}

export class FactsCache {
  private readonly file: string;
  private readonly entries: Record<string, Entry>;
  private changed = false;

  private constructor(
    file: string,
    private readonly letsencryptDir: string,
    entries: Record<string, Entry>,
  ) {
    this.file = file;
    this.entries = entries;
  }

  /**
   * The cache in `cacheDir`, or a reason it cannot be trusted: a directory that is a symlink, belongs to another user
   * or others can write to could hold forged entries (facts that hide a problem), so it is not used at all.
   */
  static open(cacheDir: string, letsencryptDir: string): FactsCache | { refused: string } {
    const refused = checkCacheDir(cacheDir);
    if (refused) return { refused };
    const id = createHash("sha256").update(letsencryptDir).digest("hex").slice(0, 16);
    const file = path.join(cacheDir, `status-${id}.json`);
    return new FactsCache(file, letsencryptDir, loadEntries(file, letsencryptDir));
  }

  /** Cached facts when the stamps still match; an entry of the wrong shape is a miss. */
  lookup(name: string, confStamp: string): LineageFacts | undefined {
    if (!Object.hasOwn(this.entries, name)) return undefined;
    const entry = this.entries[name];
    if (!isEntry(entry)) return undefined;
    if (entry.stamp !== `${confStamp}|${stampPaths(entry.facts.paths)}`) return undefined;
    return entry.facts;
  }

  /**
   * Remembers facts read at `readAtMs`. A file changed within RACY_MS before that is not cached: timestamps advance
   * in coarse ticks, so a same-size rewrite in the same tick would keep the stamp (git's "racy clean" problem).
   */
  store(name: string, stamp: string, facts: LineageFacts, readAtMs: number): void {
    const newest = Math.max(0, ...stamp.split("|").map((part) => Number(part.split(":")[4] ?? 0)).filter(Number.isFinite));
    if (newest > readAtMs - RACY_MS) return;
    this.entries[name] = { stamp, facts };
    this.changed = true;
  }

  /** Drops lineages that no longer exist, so the file does not grow forever. */
  retain(names: ReadonlySet<string>): void {
    for (const name of Object.keys(this.entries)) {
      if (!names.has(name)) {
        delete this.entries[name];
        this.changed = true;
      }
    }
  }

  /** Writes the cache atomically; a cache that cannot be written is simply not kept. */
  save(): void {
    if (!this.changed) return;
    const data: CacheFile = { format: FORMAT, program: PROGRAM, letsencryptDir: this.letsencryptDir, entries: this.entries };
    const temp = `${this.file}.${randomBytes(6).toString("hex")}.tmp`;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      if (checkCacheDir(path.dirname(this.file))) return;
      // Created here and now, never through a symlink someone planted under a name they guessed.
      const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
      try {
        writeAllSync(fd, asciiJson(data));
      } finally {
        closeSync(fd);
      }
      renameSync(temp, this.file);
      this.changed = false;
    } catch {
      // Not writable (a read-only user, a full disk): status is still right, only slower next time.
      try {
        rmSync(temp, { force: true });
      } catch {
        // There was no directory to leave it in.
      }
    }
  }
}

function isEntry(value: unknown): value is Entry {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Partial<Entry>;
  const facts = entry.facts as Partial<LineageFacts> | undefined;
  return (
    typeof entry.stamp === "string" &&
    typeof facts === "object" &&
    facts !== null &&
    typeof facts.name === "string" &&
    Array.isArray(facts.domains) &&
    Array.isArray(facts.fileProblems) &&
    typeof facts.paths === "object" &&
    facts.paths !== null &&
    ["cert", "chain", "fullchain", "privkey"].every((kind) => typeof (facts.paths as unknown as Record<string, unknown>)[kind] === "string")
  );
}

/** Why a cache directory must not be used, or undefined when it is fine (or does not exist yet). */
function checkCacheDir(dir: string): string | undefined {
  let stat;
  try {
    stat = lstatSync(dir);
  } catch {
    return undefined;
  }
  const uid = process.getuid?.();
  if (stat.isSymbolicLink()) return `the cache dir ${dir} is a symlink`;
  if (!stat.isDirectory()) return `the cache dir ${dir} is not a directory`;
  if (uid !== undefined && stat.uid !== uid) return `the cache dir ${dir} belongs to uid ${stat.uid}, not to this user`;
  if ((stat.mode & 0o022) !== 0) return `the cache dir ${dir} is writable by others (mode ${(stat.mode & 0o777).toString(8)})`;
  return undefined;
}

function loadEntries(file: string, letsencryptDir: string): Record<string, Entry> {
  try {
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    let stat;
    try {
      stat = fstatSync(fd);
    } finally {
      closeSync(fd);
    }
    // Only trust a cache that nobody else could have written.
    if (stat.uid !== process.getuid?.() || (stat.mode & 0o022) !== 0) return Object.create(null) as Record<string, Entry>;
    const data = JSON.parse(readAsciiOrUtf8(file)) as Partial<CacheFile>;
    if (data.format !== FORMAT || data.program !== PROGRAM || data.letsencryptDir !== letsencryptDir || typeof data.entries !== "object" || data.entries === null) {
      return Object.create(null) as Record<string, Entry>;
    }
    // A null-prototype object: lineage names such as "constructor" must not meet Object.prototype.
    return Object.assign(Object.create(null) as Record<string, Entry>, data.entries);
  } catch {
    return Object.create(null) as Record<string, Entry>;
  }
}

/**
 * JSON with every character beyond ASCII escaped: the file is then read back as Latin-1, which node decodes in a
 * fraction of the time UTF-8 takes (a 2,000-lineage cache is 2.3 MB, read on every warm `status`).
 */
function asciiJson(data: unknown): string {
  const json = JSON.stringify(data);
  // Looking costs a millisecond on 2.3 MB, replacing (even nothing) about 15.
  if (!BEYOND_ASCII.test(json)) return json;
  return json.replace(BEYOND_ASCII_ALL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const BEYOND_ASCII = /[\u007f-\uffff]/;
const BEYOND_ASCII_ALL = /[\u007f-\uffff]/g;

/** A file's text: Latin-1 when it is all ASCII (what asciiJson writes), UTF-8 otherwise (a cache an older ngcert wrote). */
function readAsciiOrUtf8(file: string): string {
  const bytes = readFileSync(file);
  return isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
}
