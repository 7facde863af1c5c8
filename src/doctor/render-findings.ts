// Doctor's findings for a person (grouped, each with where, what and the fix) and as JSON for a program.
import type { Finding } from "../checks/finding.js";

export function renderFindingsJson(findings: readonly Finding[]): string {
  return `${JSON.stringify({ findings: findings.map(({ code, severity, lineage, domain, file, line, message, fix }) => ({ code, severity, lineage, domain, file, line, message, fix })) })}\n`;
}

function indent(text: string, prefix: string): string {
  return text
    .replace(/\n$/, "")
    .split("\n")
    .map((line) => `${prefix}${line}`)
    .join("\n");
}

export function renderFindingsText(findings: readonly Finding[]): string {
  return findings
    .map((item) => {
      const where = item.file === null ? "" : ` ${item.file}${item.line === null ? "" : `:${item.line}`}`;
      const subject = [item.lineage, item.domain].filter((part) => part !== null).join(" / ");
      const head = `${item.severity} ${item.code}${subject ? ` (${subject})` : ""}${where}`;
      const fix = item.fix === null ? "" : item.fix.startsWith("--- ") ? `\n  fix:\n${indent(item.fix, "    ")}` : `\n  fix: ${item.fix}`;
      return `${head}\n${indent(item.message, "  ")}${fix}\n`;
    })
    .join("\n");
}
