// A unified diff (`diff -u`: file headers, then hunks of changed lines with three lines of context) of two texts, for
// --dry-run and conflict reports. jsdiff computes it: the format `patch` and `git apply` read, not a home-made one.
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";

/** Empty when the texts are the same: there is nothing to apply. */
export function unifiedDiff(oldText: string, newText: string, oldName: string, newName: string): string {
  if (oldText === newText) return "";
  return createTwoFilesPatch(oldName, newName, oldText, newText, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
