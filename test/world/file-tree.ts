// A snapshot of every file and directory under some roots, so a test can assert that a command left no trace:
// same entries, same bytes, same modes (and, where asked, same mtimes).
import { lstat, readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";

export interface TreeEntry {
  kind: "file" | "dir" | "symlink";
  mode: number;
  /** File bytes (base64) or link target; empty for directories. */
  content: string;
  mtimeMs: number;
}

export type TreeSnapshot = Record<string, TreeEntry>;

/**
 * ngcert's own state directory in the letsencrypt dir (.ngcert/: the writer lock, journals, the last reload) is not a
 * user's file: a command that takes the lock and then refuses has still changed nothing of the server's.
 */
const STATE_DIR = ".ngcert";

async function walk(root: string, into: TreeSnapshot): Promise<void> {
  if (path.basename(root) === STATE_DIR) return;
  let stat;
  try {
    stat = await lstat(root);
  } catch {
    return; // a missing root is part of the snapshot by its absence
  }
  const mode = stat.mode & 0o7777;
  if (stat.isSymbolicLink()) {
    into[root] = { kind: "symlink", mode, content: await readlink(root), mtimeMs: stat.mtimeMs };
  } else if (stat.isDirectory()) {
    into[root] = { kind: "dir", mode, content: "", mtimeMs: stat.mtimeMs };
    for (const name of (await readdir(root)).sort()) await walk(path.join(root, name), into);
  } else {
    into[root] = { kind: "file", mode, content: (await readFile(root)).toString("base64"), mtimeMs: stat.mtimeMs };
  }
}

export async function snapshotTree(roots: readonly string[]): Promise<TreeSnapshot> {
  const snapshot: TreeSnapshot = {};
  for (const root of roots) await walk(root, snapshot);
  return snapshot;
}

/** The snapshot without times: what "nothing changed" means when a rollback may have rewritten a directory. */
export function withoutTimes(snapshot: TreeSnapshot): Record<string, Omit<TreeEntry, "mtimeMs">> {
  return Object.fromEntries(Object.entries(snapshot).map(([file, { mtimeMs: _, ...rest }]) => [file, rest]));
}

/** Modification times of the regular files only: a rollback may touch directories, never a file it did not change. */
export function fileTimes(snapshot: TreeSnapshot): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot).flatMap(([file, entry]) => (entry.kind === "file" ? [[file, entry.mtimeMs]] : [])));
}
