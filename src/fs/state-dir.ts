// ngcert's own state inside the letsencrypt dir (.ngcert/: the writer lock, intent journals, the last reload): a
// directory only root can enter, refused when it is a symlink or someone else's, so no local user can plant files
// that ngcert, running as root, would then trust or write through.
import { lstatSync, mkdirSync } from "node:fs";
import path from "node:path";
import { NgcertError, isNodeError } from "../errors.js";

export const STATE_DIR_NAME = ".ngcert";

export function stateDirPath(letsencryptDir: string): string {
  return path.join(letsencryptDir, STATE_DIR_NAME);
}

/** The state dir, created (mode 0700) when missing; throws when it cannot be trusted. */
export function ensureStateDir(letsencryptDir: string): string {
  const dir = stateDirPath(letsencryptDir);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if (!isNodeError(error) || error.code !== "EEXIST") throw error;
  }
  checkTrusted(dir);
  return dir;
}

/** A directory of ours: not a symlink, owned by this user, writable by nobody else. */
export function checkTrusted(dir: string): void {
  const stat = lstatSync(dir);
  const uid = process.getuid?.();
  if (stat.isSymbolicLink() || !stat.isDirectory()) {
    throw new NgcertError("IO", `${dir} is not a directory (a symlink or a file is there); ngcert keeps its state there: remove it and try again`);
  }
  if (uid !== undefined && uid !== 0 && stat.uid === 0) {
    throw new NgcertError("IO", `ngcert's state in ${dir} belongs to root: changing this server needs root; run it with sudo`);
  }
  if (uid !== undefined && stat.uid !== uid) {
    throw new NgcertError("IO", `${dir} belongs to uid ${stat.uid}, not to this user (uid ${uid}): ngcert will not trust it; remove it and try again`);
  }
  if ((stat.mode & 0o022) !== 0) {
    throw new NgcertError("IO", `${dir} is writable by others (mode ${(stat.mode & 0o777).toString(8)}): ngcert will not trust it; chmod 700 it`);
  }
}
