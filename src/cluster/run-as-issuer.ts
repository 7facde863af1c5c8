// Whatever may order at the CA on a cluster node (`renew`, `add`, the agent's scheduled renewal) runs through here:
// take the issuer's role (or refuse, naming the issuer), let certbot renew only what this node should (with etcd: not a
// lineage another issuer renewed that has not reached this node yet), run, record in etcd what was issued, give the
// role back, and bring every node up to date. certbot runs so that it dies with this process and stops when the
// role is lost; ngcert's hooks leave the push to this flow (one push per node, after the run).
import type { LineageFacts } from "../certbot/lineage.js";
import type { Exec } from "../exec.js";
import { checkLineage } from "../checks/check-lineage.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { switchAutorenew } from "./autorenew-switch.js";
import { readIssuedRecords, recordIssued, type IssuedRecord } from "./issued-records.js";
import { takeIssuerRole } from "./issuer-role.js";
import { dyingWithParent } from "./dying-with-parent.js";
import { pullIssued, type PullResult } from "./pull-issued.js";
import { syncNodes, type SyncResult } from "./sync-nodes.js";
import { requireCluster } from "./this-node.js";

/** Set by this flow for the certbot it runs: ngcert's hooks then leave the push to the flow. */
export const CLUSTER_DEFER_ENV = "NGCERT_CLUSTER_DEFER";

export interface IssuerRun<T> {
  result: T;
  issuer: string;
  /** Lineages with a new certificate after the run. */
  issued: string[];
  /** Lineages not renewed here because another issuer's newer certificate has not reached this node. */
  behind: { name: string; record: IssuedRecord }[];
  /** What was fetched from the node that issued it before the run. */
  pulled: PullResult[];
  sync: SyncResult;
}

export interface IssuerRunOptions {
  /** For messages: "renew", "add". */
  purpose: string;
  env: Record<string, string | undefined>;
  now: () => Date;
}

export async function runAsIssuer<T>(settings: Settings, exec: Exec, options: IssuerRunOptions, work: (exec: Exec, env: Record<string, string | undefined>) => Promise<T>): Promise<IssuerRun<T>> {
  const context = requireCluster(settings);
  const etcd = context.cluster.etcd;
  const role = await takeIssuerRole(context, { purpose: options.purpose });
  let result: T;
  let issued: LineageFacts[];
  const behind: IssuerRun<T>["behind"] = [];
  let pulled: PullResult[] = [];
  try {
    // What the previous issuer obtained and this node lacks is fetched from it, not ordered a second time.
    if (etcd) pulled = await pullIssued(settings, exec, context, { now: options.now(), env: options.env });
    const before = new Map((await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [] })).map((facts) => [facts.name, facts]));
    const records = etcd ? await readIssuedRecords(etcd) : new Map<string, IssuedRecord>();
    const renewable = [...before.values()].filter((facts) => {
      const record = records.get(facts.name);
      if (!record || record.fingerprint === facts.fingerprint || !facts.notBefore || Date.parse(record.notBefore) <= Date.parse(facts.notBefore)) return true;
      // Another issuer renewed it and this node has not got it: ordering again would be a second order for the same
      // certificate. Only when this node's copy is about to expire is that the lesser evil.
      if (checkLineage(facts, { now: options.now() }).some((problem) => problem.code === "EXPIRING" || problem.code === "EXPIRED")) return true;
      behind.push({ name: facts.name, record });
      return false;
    });
    await withLock(settings, options.env, () => {
      switchAutorenew(settings.letsencryptDir, true, renewable.map((facts) => facts.name));
      switchAutorenew(settings.letsencryptDir, false, behind.map((entry) => entry.name));
    });
    const abortable: Exec = (program, args, execOptions) => {
      const wrapped = program === settings.certbotBin ? dyingWithParent(program, args) : { program, args };
      return exec(wrapped.program, wrapped.args, { ...execOptions, signal: role.signal });
    };
    try {
      result = await work(abortable, { ...options.env, [CLUSTER_DEFER_ENV]: "1" });
    } finally {
      // With an election, certbot renews nothing on its own anywhere: the next issuer switches on what it renews.
      if (etcd) await withLock(settings, options.env, () => void switchAutorenew(settings.letsencryptDir, false));
    }
    // Recorded while the role is still held: the next issuer must know of it before it could order.
    const after = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [] });
    issued = after.filter((facts) => facts.fingerprint !== undefined && facts.fingerprint !== before.get(facts.name)?.fingerprint);
    if (etcd && issued.length > 0) await recordIssued(etcd, context.self.name, issued, options.now());
  } finally {
    await role.release();
  }
  const sync = await syncNodes(settings, exec, { now: options.now(), env: options.env });
  return { result, issuer: context.self.name, issued: issued.map((facts) => facts.name), behind, pulled, sync };
}

async function withLock(settings: Settings, env: Record<string, string | undefined>, work: () => void): Promise<void> {
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "cluster autorenew", env });
  try {
    work();
  } finally {
    lock.release();
  }
}
