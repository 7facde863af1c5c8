// Doctor's findings for a person (grouped, each with where, what and the fix) and as JSON for a program.
// Both are written in pieces: at hosting scale a doctor run finds thousands of things (a default server that answers
// 3,000 names' challenges is 3,000 findings, each carrying the same diff), and one string of all of them, as JSON
// (two bytes a character once a message holds an arrow) and then as bytes, was the run's peak memory.
import type { Finding } from "../checks/finding.js";
import type { Output } from "../context.js";

/** About how many characters are handed to the output at once. */
const PIECE = 8 * 1024;

function writeInPieces(output: Output, parts: Iterable<string>): void {
  let pending: string[] = [];
  let size = 0;
  for (const part of parts) {
    pending.push(part);
    size += part.length;
    if (size >= PIECE) {
      output.write(pending.join(""));
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) output.write(pending.join(""));
}

function* jsonParts(findings: readonly Finding[]): Generator<string> {
  // Many findings share one fix (a diff of kilobytes): it is encoded once.
  const encodedFixes = new Map<string | null, string>();
  yield '{"findings":[';
  for (const [index, { code, severity, lineage, domain, file, line, message, fix }] of findings.entries()) {
    let encodedFix = encodedFixes.get(fix);
    if (encodedFix === undefined) encodedFixes.set(fix, (encodedFix = JSON.stringify(fix)));
    const rest = JSON.stringify({ code, severity, lineage, domain, file, line, message });
    yield `${index === 0 ? "" : ","}${rest.slice(0, -1)},"fix":${encodedFix}}`;
  }
  yield "]}\n";
}

/** One JSON document, `{"findings":[…]}`, every finding with its own fix. */
export function writeFindingsJson(findings: readonly Finding[], output: Output): void {
  writeInPieces(output, jsonParts(findings));
}

function indent(text: string, prefix: string): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

function* textParts(findings: readonly Finding[]): Generator<string> {
  // A diff is shown once, with the first finding it fixes; the others refer back to that finding.
  const shownWith = new Map<string, string>();
  for (const [index, item] of findings.entries()) {
    const where = item.file === null ? "" : ` ${item.file}${item.line === null ? "" : `:${item.line}`}`;
    const subject = [item.lineage, item.domain].filter((part) => part !== null).join(" / ");
    const head = `${item.severity} ${item.code}${subject ? ` (${subject})` : ""}${where}`;
    let fix = "";
    if (item.fix !== null && item.fix.startsWith("--- ")) {
      const first = shownWith.get(item.fix);
      if (first === undefined) {
        shownWith.set(item.fix, `${item.code}${subject ? ` (${subject})` : ""}`);
        fix = `\n  fix:\n${indent(item.fix, "    ")}`;
      } else {
        fix = `\n  fix: the diff shown above for ${first}`;
      }
    } else if (item.fix !== null) {
      fix = `\n  fix: ${item.fix}`;
    }
    yield `${index === 0 ? "" : "\n"}${head}\n${indent(item.message, "  ")}${fix}\n`;
  }
}

/** The findings for a person, each with where, what and the fix; a diff that fixes several is shown once. */
export function writeFindingsText(findings: readonly Finding[], output: Output): void {
  writeInPieces(output, textParts(findings));
}
