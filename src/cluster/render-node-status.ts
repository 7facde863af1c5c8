// `status --nodes` for people (a table per node and lineage) and as JSON (beside status's own "certificates").
import type { NodeStatus } from "./node-status.js";

const short = (fingerprint: string | null): string => (fingerprint === null ? "-" : fingerprint.slice(0, 16));

export function renderNodeTable(nodes: readonly NodeStatus[]): string {
  const header = ["NODE", "NAME", "VERSION", "FINGERPRINT", "SERVED", "LAST SYNC", "PROBLEMS"];
  const rows: string[][] = [];
  for (const node of nodes) {
    const label = `${node.name}${node.issuer ? "*" : ""}`;
    const nodeCodes = [...new Set(node.problems.map((problem) => problem.code))];
    if (node.lineages.length === 0) rows.push([label, "-", "-", "-", "-", "-", nodeCodes.join(",") || "ok"]);
    for (const lineage of node.lineages) {
      const codes = [...new Set([...nodeCodes, ...lineage.problems.map((problem) => problem.code)])];
      rows.push([label, lineage.name, lineage.version === null ? "-" : String(lineage.version), short(lineage.fingerprint), short(lineage.servedFingerprint), lineage.lastSync ?? "-", codes.join(",") || "ok"]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  const details = nodes.flatMap((node) => [
    ...node.problems.map((problem) => `  ${node.name}: ${problem.code}: ${problem.message}`),
    ...node.lineages.flatMap((lineage) => lineage.problems.map((problem) => `  ${node.name}: ${lineage.name}: ${problem.code}: ${problem.message}`)),
  ]);
  const out = [line(header), ...rows.map(line), "", "* the issuer"];
  if (details.length > 0) out.push("", "Problems:", ...details);
  return `${out.join("\n")}\n`;
}
