// Brings every other node up to date with the issuer: which lineages a node lacks is asked of the node itself (its
// report), not remembered here, so a node that was down, rebuilt, or served by another issuer before is caught up the
// same way; right after an issuance the renewed lineages are pushed without asking. Only versions that pass the deploy
// checks here leave the issuer; each node checks them again before serving them.
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import type { ClusterNode } from "../settings/cluster-config.js";
import type { Settings } from "../settings/settings.js";
import { isReceiveFailure, type ReceivedLineage } from "./bundle.js";
import { parseNodeReport, type NodeReport } from "./node-report.js";
import { pullIssued, type PullResult } from "./pull-issued.js";
import { forEachLimited, pushBundle } from "./push.js";
import { makeBundle, readOutgoing } from "./read-bundle.js";
import { findIssuer } from "./issuer-role.js";
import { runOnNode } from "./ssh.js";
import { requireCluster } from "./this-node.js";

export interface SyncRequest {
  /** Only these lineages (default: every lineage of the issuer). */
  names?: readonly string[];
  /** Push them without asking the nodes first (right after they were issued). */
  pushWithoutAsking?: boolean;
  /** Only these nodes (default: every other node). */
  nodes?: readonly string[];
  now: Date;
  env: Record<string, string | undefined>;
}

export interface NodeSync {
  node: string;
  host: string;
  reachable: boolean;
  /** Every lineage of the issuer is on the node and served there as it should be. */
  ok: boolean;
  error: string | undefined;
  /** Lineages the node had already. */
  inSync: string[];
  /** What the node did with each lineage sent. */
  sent: ReceivedLineage[];
  /** What the node did to set itself up (its challenge location rewritten for a new account, leftovers cleared). */
  setup: string[];
  durationMs: number;
}

export interface SyncResult {
  issuer: string;
  nodes: NodeSync[];
  /** Lineages that do not leave the issuer, and why. */
  held: { name: string; reason: string }[];
  /** What the issuer fetched first from the node that issued it (etcd's records). */
  pulled: PullResult[];
}

export async function syncNodes(settings: Settings, exec: Exec, request: SyncRequest): Promise<SyncResult> {
  const context = requireCluster(settings);
  const { cluster, self, others } = context;
  // Only the issuer sends: another node's lineages may be older, or not the ones the cluster renews.
  const issuer = (await findIssuer(context)).node;
  if (issuer !== undefined && issuer !== self.name) throw new NgcertError("CONFLICT", `${issuer} is the cluster's issuer: it brings the other nodes up to date (run this there)`);
  const targets = request.nodes === undefined ? others : others.filter((node) => request.nodes!.includes(node.name));
  // Whatever another issuer obtained last (etcd's records) and this node lacks is fetched from that node first.
  const pulled = cluster.etcd && !request.pushWithoutAsking ? await pullIssued(settings, exec, context, { now: request.now, env: request.env }) : [];
  const { lineages, notBefore, held, accounts, thumbprint } = await readOutgoing(settings, request.names ?? [], request.now, request.env);

  const syncOne = async (node: ClusterNode): Promise<NodeSync> => {
    const started = Date.now();
    const result: NodeSync = { node: node.name, host: node.host, reachable: true, ok: false, error: undefined, inSync: [], sent: [], setup: [], durationMs: 0 };
    let wanted = lineages;
    let needsAccount = true;
    if (!request.pushWithoutAsking) {
      let report: NodeReport;
      try {
        const run = await runOnNode(exec, cluster, node, ["cluster", "report", "--json"], { timeoutMs: 5 * 60_000 });
        report = parseNodeReport(run.stdout, node.name, run.stderr);
        if (report.node !== node.name) throw new Error(`${node.host} answered as "${report.node}", not "${node.name}"`);
      } catch (error) {
        return { ...result, reachable: !(error instanceof NgcertError && error.code === "UNREACHABLE"), error: describeError(error), durationMs: Date.now() - started };
      }
      const theirs = new Map(report.lineages.map((lineage) => [lineage.name, lineage]));
      wanted = lineages.filter((lineage) => {
        const their = theirs.get(lineage.name);
        if (their?.fingerprint === lineage.fingerprint) {
          result.inSync.push(lineage.name);
          return false;
        }
        // A node never goes back to an older certificate; receive refuses it too, this only spares the push.
        const ours = notBefore.get(lineage.name);
        return !(their?.notBefore && ours && Date.parse(their.notBefore) > Date.parse(ours));
      });
      needsAccount = thumbprint !== undefined && (report.accountThumbprint !== thumbprint || report.snippetThumbprint !== thumbprint);
      if (wanted.length === 0 && !needsAccount) return { ...result, ok: true, durationMs: Date.now() - started };
    }
    const outcome = await pushBundle(exec, cluster, node, makeBundle(settings, self.name, node.name, wanted, accounts));
    return {
      ...result,
      reachable: outcome.reachable,
      ok: outcome.ok,
      error: outcome.error ?? (outcome.ok ? undefined : outcome.report?.lineages.filter(isReceiveFailure).map((lineage) => `${lineage.name}: ${lineage.reason ?? lineage.status}`).join("; ")),
      sent: outcome.report?.lineages ?? [],
      setup: outcome.report?.setup ?? [],
      durationMs: Date.now() - started,
    };
  };
  const nodes = await forEachLimited(targets, cluster.parallel, syncOne);
  return { issuer: self.name, nodes, held, pulled };
}
