// Marks the files ngcert writes, so a later run can tell its own unedited file from one a person wrote or edited:
// only the former is ever replaced.
import { createHash } from "node:crypto";

const MARKER = /^# ngcert-owned sha256:([0-9a-f]{64})\n/m;

export type Ownership = "ours" | "edited" | "foreign";

function hashOf(body: string): string {
  return createHash("sha256").update(body).digest("hex");
}

/** Adds the ownership line (after a shebang, if any) carrying the hash of the rest of the file. */
export function markOwned(body: string): string {
  const hash = hashOf(body);
  const line = `# ngcert-owned sha256:${hash}\n`;
  if (body.startsWith("#!")) {
    // A lone shebang line gets its newline first, so "#!" stays the file's first two bytes.
    if (!body.includes("\n")) return markOwned(`${body}\n`);
    const end = body.indexOf("\n") + 1;
    return body.slice(0, end) + line + body.slice(end);
  }
  return line + body;
}

export function classifyOwnership(text: string): Ownership {
  const match = MARKER.exec(text);
  if (!match) return "foreign";
  const body = text.slice(0, match.index) + text.slice(match.index + match[0].length);
  return hashOf(body) === match[1] ? "ours" : "edited";
}
