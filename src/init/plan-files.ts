// Decides, for each file ngcert wants in place, whether to create it, update it, leave it, or refuse because a person
// wrote or edited it. Pure: the current contents come in as data.
import { classifyOwnership } from "../fs/owned-file.js";
import { unifiedDiff } from "../text/unified-diff.js";

export interface DesiredFile {
  path: string;
  /** Complete content, ownership line included. */
  content: string;
  mode: number;
  /** For messages: "the ACME challenge snippet". */
  what: string;
}

export interface CurrentFile {
  content: string;
  mode: number;
}

export type FileAction =
  | { kind: "create"; file: DesiredFile; diff: string }
  | { kind: "update"; file: DesiredFile; diff: string }
  | { kind: "unchanged"; file: DesiredFile };

export interface FileConflict {
  file: DesiredFile;
  ownership: "edited" | "foreign";
  diff: string;
}

export interface FilePlan {
  actions: FileAction[];
  conflicts: FileConflict[];
}

export function planFiles(desired: readonly DesiredFile[], current: ReadonlyMap<string, CurrentFile | undefined>): FilePlan {
  const actions: FileAction[] = [];
  const conflicts: FileConflict[] = [];
  for (const file of desired) {
    const existing = current.get(file.path);
    if (!existing) {
      actions.push({ kind: "create", file, diff: unifiedDiff("", file.content, "/dev/null", file.path) });
      continue;
    }
    if (existing.content === file.content && existing.mode === file.mode) {
      actions.push({ kind: "unchanged", file });
      continue;
    }
    // A file ngcert wrote and a crash or a full disk cut short (empty, or the start of what ngcert writes) is not a
    // person's edit: it is written again.
    if (existing.content === "" || (existing.content.startsWith("#") && file.content.startsWith(existing.content))) {
      actions.push({ kind: "update", file, diff: unifiedDiff(existing.content, file.content, file.path, `${file.path} (ngcert)`) });
      continue;
    }
    const ownership = classifyOwnership(existing.content);
    const diff = unifiedDiff(existing.content, file.content, file.path, `${file.path} (ngcert)`);
    if (ownership === "ours") actions.push({ kind: "update", file, diff });
    else conflicts.push({ file, ownership, diff });
  }
  return { actions, conflicts };
}
