// A unified diff that `patch -p0` applies: hunks with @@ line ranges and three lines of context, for changes to
// files people wrote (an nginx site, a renewal conf), where the whole file would bury the change.
import { unifiedDiff } from "./unified-diff.js";

const CONTEXT = 3;

export function unifiedPatch(oldText: string, newText: string, oldName: string, newName: string): string {
  const body = unifiedDiff(oldText, newText, oldName, newName).split("\n").slice(2, -1);
  if (oldText === newText) return "";
  // Line numbers of every body line in the old and new text.
  let oldLine = 1;
  let newLine = 1;
  const lines = body.map((text) => {
    const entry = { text, old: oldLine, new: newLine };
    if (!text.startsWith("+")) oldLine++;
    if (!text.startsWith("-")) newLine++;
    return entry;
  });
  const changed = lines.map((line, index) => (line.text.startsWith(" ") ? -1 : index)).filter((index) => index >= 0);
  const hunks: [number, number][] = [];
  for (const index of changed) {
    const from = Math.max(0, index - CONTEXT);
    const to = Math.min(lines.length - 1, index + CONTEXT);
    const last = hunks[hunks.length - 1];
    if (last && from <= last[1] + 1) last[1] = to;
    else hunks.push([from, to]);
  }
  const out = [`--- ${oldName}`, `+++ ${newName}`];
  for (const [from, to] of hunks) {
    const slice = lines.slice(from, to + 1);
    const oldCount = slice.filter((line) => !line.text.startsWith("+")).length;
    const newCount = slice.filter((line) => !line.text.startsWith("-")).length;
    const oldStart = oldCount === 0 ? slice[0]!.old - 1 : slice.find((line) => !line.text.startsWith("+"))!.old;
    const newStart = newCount === 0 ? slice[0]!.new - 1 : slice.find((line) => !line.text.startsWith("-"))!.new;
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`, ...slice.map((line) => line.text));
  }
  return `${out.join("\n")}\n`;
}
