// Right after certbot obtained certificates outside ngcert's own issuer flow (certbot's timer on a configured issuer,
// or certbot run by hand), the deploy or post hook pushes them to every node at once, and records them in etcd.
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { recordIssued } from "./issued-records.js";
import { CLUSTER_DEFER_ENV } from "./run-as-issuer.js";
import { syncNodes, type SyncResult } from "./sync-nodes.js";
import { requireCluster } from "./this-node.js";

export async function pushAfterIssuance(settings: Settings, exec: Exec, names: readonly string[], options: { now: Date; env: Record<string, string | undefined> }): Promise<SyncResult | undefined> {
  if (!settings.cluster || names.length === 0 || options.env[CLUSTER_DEFER_ENV] === "1") return undefined;
  const context = requireCluster(settings);
  if (context.cluster.etcd) {
    const facts = await collectFacts({ letsencryptDir: settings.letsencryptDir, names });
    await recordIssued(context.cluster.etcd, context.self.name, facts, options.now);
  }
  return syncNodes(settings, exec, { names, pushWithoutAsking: true, now: options.now, env: options.env });
}
