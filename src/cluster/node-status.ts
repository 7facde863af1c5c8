// `ngcert status --nodes`: every lineage on every node, asked of each node itself (over ssh; this node directly):
// the version and certificate in its live/, what its nginx presents, when it last arrived from the issuer, and what is
// wrong — compared with the issuer's own lineages, so a node that is behind or misses one says so.
import type { Exec } from "../exec.js";
import { describeError } from "../errors.js";
import type { ClusterNode } from "../settings/cluster-config.js";
import type { Settings } from "../settings/settings.js";
import { findIssuer } from "./issuer-role.js";
import { parseNodeReport, readNodeReport, type NodeReport } from "./node-report.js";
import { forEachLimited } from "./push.js";
import { runOnNode } from "./ssh.js";
import { requireCluster } from "./this-node.js";

export interface NodeLineageStatus {
  name: string;
  version: number | null;
  fingerprint: string | null;
  /** What nginx presents for the lineage's names when they all agree; null when not served or they differ. */
  servedFingerprint: string | null;
  notAfter: string | null;
  /** When it last arrived from the issuer (null on the issuer, or never). */
  lastSync: string | null;
  problems: { code: string; message: string }[];
}

export interface NodeStatus {
  name: string;
  host: string;
  issuer: boolean;
  self: boolean;
  reachable: boolean;
  error: string | null;
  accountThumbprint: string | null;
  snippetThumbprint: string | null;
  problems: { code: string; message: string }[];
  lineages: NodeLineageStatus[];
}

export async function collectNodeStatus(settings: Settings, exec: Exec, options: { now: Date; workerScript?: string | undefined }): Promise<NodeStatus[]> {
  const { cluster, self } = requireCluster(settings);
  let issuer: string | undefined;
  let issuerError: string | undefined;
  try {
    issuer = (await findIssuer({ cluster, self, others: [] })).node;
  } catch (error) {
    issuerError = describeError(error);
  }
  const ask = async (node: ClusterNode): Promise<{ node: ClusterNode; report?: NodeReport; error?: string }> => {
    try {
      if (node.name === self.name) return { node, report: await readNodeReport(settings, self.name, { now: options.now, served: true, workerScript: options.workerScript }) };
      const run = await runOnNode(exec, cluster, node, ["cluster", "report", "--json", "--served"], { timeoutMs: 5 * 60_000 });
      return { node, report: parseNodeReport(run.stdout, node.name, run.stderr) };
    } catch (error) {
      return { node, error: describeError(error) };
    }
  };
  const answers = await forEachLimited(cluster.nodes, cluster.parallel, ask);
  const reference = answers.find((answer) => answer.node.name === issuer)?.report;
  const thumbprint = reference?.accountThumbprint ?? answers.find((answer) => answer.node.name === self.name)?.report?.accountThumbprint ?? null;
  return answers.map(({ node, report, error }) => {
    const problems: NodeStatus["problems"] = [];
    if (!report) problems.push({ code: "NODE_UNREACHABLE", message: error ?? "no answer" });
    if (report && report.node !== node.name) problems.push({ code: "NODE_MISMATCH", message: `${node.host} answers as "${report.node}", not "${node.name}"` });
    if (report && thumbprint !== null && report.snippetThumbprint !== thumbprint) {
      problems.push({ code: "THUMBPRINT_MISMATCH", message: report.snippetThumbprint === null ? "its challenge location does not answer for the cluster's account (run ngcert cluster sync on the issuer, or ngcert init here)" : `its challenge location answers for account thumbprint ${report.snippetThumbprint}, not the cluster's ${thumbprint}` });
    }
    if (node.name === issuer && issuerError) problems.push({ code: "NODE_UNREACHABLE", message: `etcd: ${issuerError}` });
    for (const problem of report?.problems ?? []) problems.push({ code: "NODE_PROBLEM", message: problem });
    const theirs = new Map((report?.lineages ?? []).map((lineage) => [lineage.name, lineage]));
    const lineages: NodeLineageStatus[] = (report?.lineages ?? []).map((lineage) => {
      const served = lineage.served ?? [];
      const agreed = served.length > 0 && served.every((entry) => entry.fingerprint !== null && entry.fingerprint === served[0]!.fingerprint) ? served[0]!.fingerprint : null;
      const own = [...lineage.problems];
      const wanted = reference?.lineages.find((entry) => entry.name === lineage.name);
      if (reference && node.name !== issuer && wanted && wanted.fingerprint !== lineage.fingerprint) {
        own.push({ code: "NODE_BEHIND", message: `holds ${lineage.fingerprint?.slice(0, 16) ?? "nothing readable"}, the issuer ${wanted.fingerprint?.slice(0, 16) ?? "?"}` });
      }
      return { name: lineage.name, version: lineage.version, fingerprint: lineage.fingerprint, servedFingerprint: agreed, notAfter: lineage.notAfter, lastSync: lineage.lastSync?.time ?? null, problems: own };
    });
    if (report && reference && node.name !== issuer) {
      for (const wanted of reference.lineages) {
        if (theirs.has(wanted.name)) continue;
        lineages.push({ name: wanted.name, version: null, fingerprint: null, servedFingerprint: null, notAfter: null, lastSync: null, problems: [{ code: "NODE_MISSING", message: "the issuer has it, this node does not" }] });
      }
    }
    lineages.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return {
      name: node.name,
      host: node.host,
      issuer: node.name === issuer,
      self: node.name === self.name,
      reachable: report !== undefined,
      error: error ?? null,
      accountThumbprint: report?.accountThumbprint ?? null,
      snippetThumbprint: report?.snippetThumbprint ?? null,
      problems,
      lineages,
    };
  });
}

export function hasNodeProblems(nodes: readonly NodeStatus[]): boolean {
  return nodes.some((node) => node.problems.length > 0 || node.lineages.some((lineage) => lineage.problems.length > 0));
}
