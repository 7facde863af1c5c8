// Puts a probe token where certbot would put a real one (<webroot>/.well-known/acme-challenge/<token>) and takes it
// away again with any directory it had to create. As root it writes through nothing a local user could have
// planted: each directory below the webroot is created one at a time and refused when it is a symlink or another
// user's, and the file is created exclusively, never through a symlink.
import { closeSync, constants, lstatSync, mkdirSync, openSync, rmdirSync, rmSync } from "node:fs";
import { writeAllSync } from "../fs/write-all.js";
import path from "node:path";

export function placeChallengeToken(webroot: string, token: string): () => void {
  const dir = path.resolve(webroot, ".well-known", "acme-challenge");
  const created = makeChallengeDir(webroot, dir);
  const file = path.join(dir, token);
  try {
    const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      writeAllSync(fd, token);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if (created !== undefined) removeEmptyDirs(dir, created);
    throw error;
  }
  return () => {
    rmSync(file, { force: true });
    if (created !== undefined) removeEmptyDirs(dir, created);
  };
}

/** Creates the directories from the webroot down to `dir` one at a time; returns the first one it created. */
function makeChallengeDir(webroot: string, dir: string): string | undefined {
  const uid = process.getuid?.();
  let created: string | undefined;
  let current = path.resolve(webroot);
  for (const part of ["", ...path.relative(current, dir).split(path.sep).filter(Boolean)]) {
    current = part === "" ? current : path.join(current, part);
    try {
      mkdirSync(current, { mode: 0o755 });
      created ??= current;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const stat = lstatSync(current);
    if (stat.isSymbolicLink() || !stat.isDirectory() || (uid !== undefined && stat.uid !== uid && stat.uid !== 0)) {
      throw new Error(`${current} is ${stat.isSymbolicLink() ? "a symlink" : !stat.isDirectory() ? "not a directory" : `owned by uid ${stat.uid}`}: refusing to write a probe through it`);
    }
  }
  return created;
}

/** rmdir from `dir` up to and including `top`, stopping at the first one that is not empty. */
function removeEmptyDirs(dir: string, top: string): void {
  for (let current = dir; ; current = path.dirname(current)) {
    try {
      rmdirSync(current);
    } catch {
      return;
    }
    if (current === top || current === path.dirname(current)) return;
  }
}
