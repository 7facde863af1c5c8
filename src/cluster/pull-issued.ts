// An issuer elected after another one died may lack what that one obtained last: etcd's records name the node and the
// certificate. Before it could order the same certificate again, and before it brings the others up to date, the
// issuer fetches that certificate from the node that holds it (`ngcert cluster export` over ssh) and takes it through
// its own door, exactly as a push from an issuer. Only the recorded certificate is accepted.
import type { Exec } from "../exec.js";
import { describeError } from "../errors.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { isReceiveFailure, parseBundle } from "./bundle.js";
import { readIssuedRecords, type IssuedRecord } from "./issued-records.js";
import { receiveBundle } from "./receive-bundle.js";
import { runOnNode } from "./ssh.js";
import type { ClusterContext } from "./this-node.js";

export interface PullResult {
  from: string;
  /** Lineages now held here as recorded. */
  pulled: string[];
  /** Why the rest could not be fetched or taken into service. */
  error: string | undefined;
}

/** The records of certificates another node obtained that are newer than what this node holds, by node. */
export function findMissing(records: ReadonlyMap<string, IssuedRecord>, held: ReadonlyMap<string, { fingerprint: string | undefined; notBefore: string | undefined }>, self: string): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const [name, record] of records) {
    if (record.node === self) continue;
    const mine = held.get(name);
    if (mine?.fingerprint === record.fingerprint) continue;
    if (mine?.notBefore !== undefined && Date.parse(mine.notBefore) >= Date.parse(record.notBefore)) continue;
    byNode.set(record.node, [...(byNode.get(record.node) ?? []), name]);
  }
  return byNode;
}

export async function pullIssued(settings: Settings, exec: Exec, context: ClusterContext, options: { now: Date; env: Record<string, string | undefined> }): Promise<PullResult[]> {
  const { cluster, self } = context;
  if (!cluster.etcd) return [];
  const records = await readIssuedRecords(cluster.etcd);
  if (records.size === 0) return [];
  const held = new Map((await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [] })).map((facts) => [facts.name, facts]));
  const results: PullResult[] = [];
  for (const [from, names] of findMissing(records, held, self.name)) {
    const node = cluster.nodes.find((entry) => entry.name === from);
    if (!node) {
      results.push({ from, pulled: [], error: `${from} is no longer one of the nodes: ${names.join(", ")} cannot be fetched` });
      continue;
    }
    try {
      const run = await runOnNode(exec, cluster, node, ["cluster", "export", "--to", self.name, ...names], { timeoutMs: 5 * 60_000 });
      let bundle;
      try {
        bundle = parseBundle(run.stdout);
      } catch {
        throw new Error(`ngcert cluster export on ${from} failed: ${run.stderr.trim().split("\n").slice(-2).join(" / ") || `exit code ${run.exitCode}`}`);
      }
      if (bundle.from !== from) throw new Error(`${node.host} answered as "${bundle.from}", not "${from}"`);
      // Only what the record names: a node that renewed again since, or holds something else, is not trusted here.
      bundle.lineages = bundle.lineages.filter((lineage) => records.get(lineage.name)?.fingerprint === lineage.fingerprint && names.includes(lineage.name));
      const missing = names.filter((name) => !bundle.lineages.some((lineage) => lineage.name === name));
      if (bundle.lineages.length === 0) throw new Error(`${from} no longer holds the recorded certificate of ${names.join(", ")}`);
      const report = await receiveBundle(settings, exec, bundle, { self: self.name, now: () => options.now, env: options.env, autorenew: false });
      const failed = report.lineages.filter(isReceiveFailure);
      const problems = [...failed.map((lineage) => `${lineage.name}: ${lineage.reason ?? lineage.status}`), ...missing.map((name) => `${name}: ${from} no longer holds the recorded certificate`)];
      results.push({ from, pulled: report.lineages.filter((lineage) => !isReceiveFailure(lineage)).map((lineage) => lineage.name), error: problems.length > 0 ? problems.join("; ") : undefined });
    } catch (error) {
      results.push({ from, pulled: [], error: describeError(error) });
    }
  }
  return results;
}
