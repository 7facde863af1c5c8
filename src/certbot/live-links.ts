// The live/ links of a lineage as certbot judges them. Loading a lineage needs each of the four files to be a symlink
// whose target exists (RenewableCert._check_symlinks: a restored backup of plain copies fails here); renewing needs the
// targets to be archive versions `<kind><N>.pem` with a version all four share (ensure_deployed), in the lineage's
// archive dir, where certbot writes the next version (save_successor) and from where it re-links live/.
import { readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import type { LineageFileKind } from "./renewal-conf.js";

export interface LiveLink {
  kind: LineageFileKind;
  /** The path the renewal conf names, resolved the way certbot (started in /) resolves it. */
  file: string;
  /** The path as the conf writes it, as certbot's messages show it. */
  shown: string;
  /** The raw symlink target; undefined when `file` is not a symlink (or missing). */
  link: string | undefined;
  /** Whether the file can be opened (set by the reader once it tried). */
  exists: boolean;
}

/** certbot's working directory when its timer or cron job runs it: where relative paths in a conf lead. */
export const CERTBOT_CWD = "/";

export function resolveConfPath(file: string): string {
  return path.resolve(CERTBOT_CWD, file);
}

/** One readlink: is it a symlink, and to what. `shown` is the path as the conf writes it. */
export function inspectLink(kind: LineageFileKind, file: string, shown = file): LiveLink {
  try {
    return { kind, file, shown, link: readlinkSync(file), exists: false };
  } catch {
    // Not a symlink, missing, unreachable, or a path no system call accepts (a NUL byte): Python's islink() says
    // False for all of them, and so does this. Reading the file then says what is wrong with it.
    return { kind, file, shown, link: undefined, exists: false };
  }
}

const targets = new WeakMap<LiveLink, string>();

/** The absolute target of a symlink, as certbot's get_link_target computes it (lexically). */
export function linkTarget(live: LiveLink): string | undefined {
  if (live.link === undefined) return undefined;
  let target = targets.get(live);
  if (target === undefined) {
    target = path.resolve(path.dirname(live.file), live.link);
    targets.set(live, target);
  }
  return target;
}

/** Why certbot cannot load the lineage from these links (its message), or undefined. */
export function checkLinksForLoad(links: readonly LiveLink[]): string | undefined {
  for (const live of links) {
    if (live.link === undefined) return `expected ${live.shown} to be a symlink`;
    if (!live.exists) return `target ${linkTarget(live)} of symlink ${live.shown} does not exist`;
  }
  return undefined;
}

const VERSIONED: Record<LineageFileKind, RegExp> = {
  cert: /^cert([0-9]+)\.pem$/,
  privkey: /^privkey([0-9]+)\.pem$/,
  chain: /^chain([0-9]+)\.pem$/,
  fullchain: /^fullchain([0-9]+)\.pem$/,
};

const versionOf = (kind: LineageFileKind, target: string): number | undefined => {
  const match = VERSIONED[kind].exec(path.basename(target));
  return match ? Number(match[1]) : undefined;
};

/** Why `certbot renew` fails this lineage before asking the CA, or why its renewal would not reach live/; else undefined. */
export function checkLinksForRenewal(links: readonly LiveLink[], archiveDir: string): string | undefined {
  const versions = new Map<LineageFileKind, number>();
  for (const live of links) {
    const version = versionOf(live.kind, linkTarget(live)!);
    if (version === undefined) return `${live.kind} is required but missing for this certificate (${live.file} points at ${live.link}, not at an archive version ${live.kind}<N>.pem)`;
    versions.set(live.kind, version);
  }
  // The same version everywhere is common to all four; only mixed versions need the archive listed.
  if (new Set(versions.values()).size > 1 && latestCommonVersion(links) === undefined) {
    return "max() arg is an empty sequence (the four live/ links point at versions no single archive version completes)";
  }
  for (const live of links) {
    const dir = path.dirname(linkTarget(live)!);
    if (!sameDirectory(dir, archiveDir)) {
      return (
        `${live.file} points into ${dir}, not into the lineage's archive directory ${archiveDir}: certbot writes a renewed version ` +
        "there and would leave live/ on the old one; `certbot update_symlinks` re-points the links"
      );
    }
  }
  return undefined;
}

function latestCommonVersion(links: readonly LiveLink[]): number | undefined {
  const available = links.map((live) => {
    const dir = path.dirname(linkTarget(live)!);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      names = [];
    }
    return new Set(names.map((name) => versionOf(live.kind, name)).filter((version): version is number => version !== undefined));
  });
  const common = [...available[0]!].filter((version) => available.every((set) => set.has(version)));
  return common.length === 0 ? undefined : Math.max(...common);
}

function sameDirectory(a: string, b: string): boolean {
  // Both are absolute already: the same text is the same directory; other text may still be (a symlink).
  if (a === b || path.resolve(a) === path.resolve(b)) return true;
  try {
    const one = statSync(a);
    const two = statSync(b);
    return one.dev === two.dev && one.ino === two.ino;
  } catch {
    return false;
  }
}

export function defaultArchiveDir(letsencryptDir: string, name: string): string {
  return path.join(letsencryptDir, "archive", name);
}
