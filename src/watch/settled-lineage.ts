// Has certbot finished swapping a lineage's links? It re-points them one at a time, each by unlink then symlink, so a
// lineage looked at in between has a link missing or links into two versions: the watcher waits for it to settle
// rather than judge (and refuse) half a renewal. Plain files (a lineage made by hand) have nothing to swap.
import { lstatSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import { consistentVersion, LINEAGE_KINDS } from "../deploy/lineage-versions.js";

export function isLineageSettled(liveDir: string): boolean {
  const kinds = LINEAGE_KINDS.map((kind) => {
    try {
      return lstatSync(path.join(liveDir, `${kind}.pem`)).isSymbolicLink() ? "link" : "file";
    } catch {
      return "missing";
    }
  });
  // Gone (removed: report it now), or made a moment ago with its links still to come.
  if (kinds.every((kind) => kind === "missing")) return !existsDir(liveDir);
  if (kinds.every((kind) => kind === "file")) return true;
  return consistentVersion(liveDir) !== undefined;
}

function existsDir(dir: string): boolean {
  try {
    return lstatSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * What a lineage's four files are right now: each link's target and the stat of what it reaches (or the plain file's),
 * so a file rewritten in place counts as a change too. Two reports of one state are one change heard twice (an event
 * delivered after the quiet time that already reported it).
 */
export function lineageState(liveDir: string): string {
  if (!existsDir(liveDir)) return "gone";
  return LINEAGE_KINDS.map((kind) => {
    const file = path.join(liveDir, `${kind}.pem`);
    let target = "";
    try {
      if (lstatSync(file).isSymbolicLink()) target = readlinkSync(file);
    } catch {
      return "-";
    }
    try {
      const stat = statSync(file);
      return `${target}@${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
    } catch {
      return `${target}@dangling`;
    }
  }).join("|");
}
