// Writes a file so readers see the old or the new content, never a half-written one: temp file, fsync, rename.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, chmodSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { writeAllSync } from "./write-all.js";

export function writeFileAtomic(file: string, content: string, mode: number): void {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.ngcert-${randomBytes(4).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", mode);
  try {
    writeAllSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  try {
    chmodSync(temp, mode); // the umask may have narrowed it
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}
