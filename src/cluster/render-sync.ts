// One line per node (and per lineage a node did something with) after a push or sync, for people.
import type { ReceivedLineage } from "./bundle.js";
import type { SyncResult } from "./sync-nodes.js";

function describeReceived(lineage: ReceivedLineage): string {
  const version = lineage.version === undefined ? "" : ` (version ${lineage.version})`;
  const served = lineage.served.filter((entry) => entry.fingerprint !== null);
  const serving = served.length > 0 && served.every((entry) => entry.fingerprint === lineage.fingerprint) ? `; nginx there serves ${lineage.fingerprint!.slice(0, 16)}… for ${served.map((entry) => entry.domain).join(", ")}` : "";
  switch (lineage.status) {
    case "installed":
      return lineage.service === "unused" ? `installed${version}, verified on disk (no nginx site uses it there yet)` : `installed${version}${serving}`;
    case "unchanged":
      return `already there${version}${serving}`;
    case "kept-newer":
      return `kept its newer certificate: ${lineage.reason ?? ""}`;
    case "refused":
      return `REFUSED: ${lineage.reason ?? "?"}; it keeps its previous certificate`;
    case "not-served":
      return `installed but NOT served: ${lineage.reason ?? "?"}`;
  }
}

export function renderSyncLines(result: SyncResult): string[] {
  const lines: string[] = [];
  for (const pull of result.pulled) {
    if (pull.pulled.length > 0) lines.push(`fetched from ${pull.from}, which issued it: ${pull.pulled.join(", ")}`);
    if (pull.error !== undefined) lines.push(`could not fetch from ${pull.from} what it issued: ${pull.error}; it is retried at the next sync`);
  }
  for (const held of result.held) lines.push(`${held.name}: not sent to the other nodes: ${held.reason}`);
  for (const node of result.nodes) {
    for (const step of node.setup) lines.push(`${node.node}: ${step}`);
    for (const lineage of node.sent) lines.push(`${node.node}: ${lineage.name}: ${describeReceived(lineage)}`);
    if (!node.reachable) lines.push(`${node.node}: UNREACHABLE: ${node.error ?? "?"}; it is retried (ngcert cluster run, ngcert cluster sync)`);
    else if (!node.ok) lines.push(`${node.node}: FAILED: ${node.error ?? "?"}; it is retried (ngcert cluster run, ngcert cluster sync)`);
    else if (node.sent.length === 0) lines.push(`${node.node}: in sync (${node.inSync.length} certificate${node.inSync.length === 1 ? "" : "s"})`);
  }
  return lines;
}

export function isSyncFailure(result: SyncResult): boolean {
  return result.nodes.some((node) => !node.ok) || result.pulled.some((pull) => pull.error !== undefined);
}
