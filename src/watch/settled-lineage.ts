// Has certbot finished swapping a lineage's links? It re-points them one at a time, each by unlink then symlink, so a
// lineage looked at in between has a link missing or links into two versions: the watcher waits for it to settle
// rather than judge (and refuse) half a renewal. Plain files (a lineage made by hand) have nothing to swap.
import { lstatSync } from "node:fs";
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
