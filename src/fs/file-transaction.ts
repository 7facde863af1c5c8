// A set of file changes that can be undone: every replaced file's previous content is kept until commit, every created
// file and directory is remembered, so a failed step (nginx -t refusing the result) leaves no trace.
import { mkdirSync, readFileSync, rmdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "./atomic-write.js";
import { isNodeError } from "../errors.js";

interface Undo {
  file: string;
  previous: { content: string; mode: number } | undefined;
}

export class FileTransaction {
  private readonly undo: Undo[] = [];
  private readonly createdDirs: string[] = [];

  /** Creates a directory and any missing parents, remembering which ones were new. */
  mkdir(dir: string, mode: number): void {
    const missing: string[] = [];
    for (let current = path.resolve(dir); !exists(current); current = path.dirname(current)) missing.unshift(current);
    for (const created of missing) {
      mkdirSync(created, { mode });
      this.createdDirs.push(created);
    }
  }

  write(file: string, content: string, mode: number): void {
    this.mkdir(path.dirname(file), 0o755);
    let previous: Undo["previous"];
    try {
      previous = { content: readFileSync(file, "utf8"), mode: statSync(file).mode & 0o7777 };
    } catch (error) {
      if (!isNodeError(error) || error.code !== "ENOENT") throw error;
    }
    this.undo.push({ file, previous });
    writeFileAtomic(file, content, mode);
  }

  remove(file: string): void {
    let previous: Undo["previous"];
    try {
      previous = { content: readFileSync(file, "utf8"), mode: statSync(file).mode & 0o7777 };
    } catch (error) {
      if (isNodeError(error) && error.code === "ENOENT") return;
      throw error;
    }
    this.undo.push({ file, previous });
    rmSync(file);
  }

  /** Puts every file back as it was, newest change first, and removes the directories this transaction created. */
  rollback(): void {
    for (const { file, previous } of this.undo.reverse()) {
      if (previous) writeFileAtomic(file, previous.content, previous.mode);
      else rmSync(file, { force: true });
    }
    for (const dir of this.createdDirs.reverse()) {
      try {
        rmdirSync(dir);
      } catch {
        // Not empty: something else was put there meanwhile; leave it.
      }
    }
    this.undo.length = 0;
    this.createdDirs.length = 0;
  }

  get changed(): boolean {
    return this.undo.length > 0 || this.createdDirs.length > 0;
  }
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
