// Files that decide what runs as root, or that must stay secret: hook scripts and their directories writable by
// anyone but root run that someone's code at the next renewal; private keys readable by others are not private.
import { finding, type Finding } from "./finding.js";

export interface PathMode {
  path: string;
  mode: number;
  uid: number;
  gid: number;
  directory: boolean;
  /** The lineage a key belongs to. */
  lineage?: string;
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** Writable by someone other than root: the owner is not root, or group (not root's) or others may write. */
export function writableByNonRoot(entry: PathMode): boolean {
  return entry.uid !== 0 || (entry.mode & 0o002) !== 0 || ((entry.mode & 0o020) !== 0 && entry.gid !== 0);
}

export function checkHookPermissions(entries: readonly PathMode[]): Finding[] {
  return entries.filter(writableByNonRoot).map((entry) =>
    finding(
      "HOOK_WRITABLE",
      "error",
      `${entry.path} (${entry.directory ? "directory" : "file"}, mode ${octal(entry.mode)}, owner ${entry.uid}:${entry.gid}) is writable by someone other than root: what certbot runs from it at the next renewal runs as root`,
      { file: entry.path, fix: `chown root:root ${entry.path} && chmod go-w ${entry.path}` },
    ),
  );
}

export function checkKeyPermissions(keys: readonly PathMode[]): Finding[] {
  return keys
    .filter((key) => (key.mode & 0o004) !== 0 || ((key.mode & 0o040) !== 0 && key.gid !== 0))
    .map((key) =>
      finding("KEY_READABLE", "error", `${key.path} (mode ${octal(key.mode)}, group ${key.gid}) is a private key readable by users other than root`, {
        lineage: key.lineage ?? null,
        file: key.path,
        fix: `chmod 600 ${key.path}`,
      }),
    );
}
