// `ngcert status --nodes`: status's certificates of this node, and every node's view of every lineage. The JSON keeps
// status's document and adds "nodes" beside "certificates".
import type { ParsedArgs } from "./command-module.js";
import type { Context } from "../context.js";
import { useColor } from "../context.js";
import { collectNodeStatus, hasNodeProblems } from "../cluster/node-status.js";
import { renderNodeTable } from "../cluster/render-node-status.js";
import type { Settings } from "../settings/settings.js";
import { collectStatus } from "../status/collect-status.js";
import { renderStatusTable } from "../status/render-status.js";

export async function runNodesStatus(args: ParsedArgs, settings: Settings, context: Context, options: { names: string[]; warnDays: number | undefined }): Promise<number> {
  const certificates = await collectStatus({
    letsencryptDir: settings.letsencryptDir,
    names: options.names,
    now: context.now(),
    warnDays: options.warnDays,
    cacheDir: settings.cacheDir,
    workerScript: context.workerScript,
    warn: (message) => context.stderr.write(`warning: ${message}\n`),
  });
  const nodes = await collectNodeStatus(settings, context.exec, { now: context.now(), workerScript: context.workerScript });
  const wanted = new Set(options.names);
  const shown = options.names.length === 0 ? nodes : nodes.map((node) => ({ ...node, lineages: node.lineages.filter((lineage) => wanted.has(lineage.name)) }));
  if (args.json) context.stdout.write(`${JSON.stringify({ certificates, nodes: shown }, null, 2)}\n`);
  else context.stdout.write(`${renderStatusTable(certificates, useColor(context))}\n${renderNodeTable(shown)}`);
  return certificates.some((cert) => cert.problems.length > 0) || hasNodeProblems(shown) ? 1 : 0;
}
