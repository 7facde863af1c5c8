// Who may ask the CA. With a configured issuer, that node and no other. With etcd, the node whose name is in the
// issuer key (held by a lease its agent keeps alive) — and every order additionally holds the renewal mutex, a key
// created only while the issuer key names this node and kept alive by the ordering process itself: when that process
// dies its certbot dies with it, and no other node can order until the mutex's lease has run out. A run that cannot
// renew the mutex's lease is stopped before etcd could expire it.
import { setTimeout as sleep } from "node:timers/promises";
import { NgcertError } from "../errors.js";
import type { EtcdConfig } from "../settings/cluster-config.js";
import { EtcdClient } from "./etcd-client.js";
import type { ClusterContext } from "./this-node.js";

export interface IssuerRole {
  node: string;
  how: "configured" | "lease";
  /** Aborted when the role is lost (the lease could not be renewed in time): stop ordering. */
  signal: AbortSignal;
  release(): Promise<void>;
}

export const issuerKey = (etcd: EtcdConfig): string => `${etcd.prefix}issuer`;
export const mutexKey = (etcd: EtcdConfig): string => `${etcd.prefix}renewing`;

/** The issuer as the cluster sees it now: the configured node, or whoever holds the key (undefined: nobody). */
export async function findIssuer(context: ClusterContext): Promise<{ node: string | undefined; how: "configured" | "lease" }> {
  const { cluster } = context;
  if (!cluster.etcd) return { node: cluster.issuer, how: "configured" };
  const kv = await new EtcdClient(cluster.etcd.endpoints).get(issuerKey(cluster.etcd));
  return { node: kv?.value || undefined, how: "lease" };
}

/**
 * Takes the right to order for this node, or refuses naming the node that has it. With etcd: when no node holds the
 * issuer key, this run takes it for its own duration; while another renewal holds the mutex, waits up to `waitMs`.
 */
export async function takeIssuerRole(context: ClusterContext, options: { purpose: string; waitMs?: number }): Promise<IssuerRole> {
  const { cluster, self } = context;
  if (!cluster.etcd) {
    if (cluster.issuer !== self.name) {
      throw new NgcertError("CONFLICT", `${cluster.issuer} is the cluster's issuer: ${options.purpose} there (only the issuer asks the CA; it brings the certificates to ${self.name})`);
    }
    return { node: self.name, how: "configured", signal: new AbortController().signal, release: async () => undefined };
  }
  const etcd = cluster.etcd;
  const client = new EtcdClient(etcd.endpoints);
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  const lease = await client.grant(etcd.leaseSeconds);
  let sentAt = Date.now();
  try {
    for (;;) {
      const holder = await client.get(issuerKey(etcd));
      if (holder && holder.value !== self.name) throw new NgcertError("CONFLICT", `${holder.value} is the cluster's issuer (it holds the lease in etcd): ${options.purpose} there`);
      const won = holder
        ? await client.txn([{ key: issuerKey(etcd), target: "VALUE", value: self.name }, { key: mutexKey(etcd), target: "CREATE", createRevision: 0 }], [{ put: { key: mutexKey(etcd), value: `${self.name} ${options.purpose}`, lease: lease.id } }], [])
        : await client.txn(
            [{ key: issuerKey(etcd), target: "CREATE", createRevision: 0 }, { key: mutexKey(etcd), target: "CREATE", createRevision: 0 }],
            [{ put: { key: issuerKey(etcd), value: self.name, lease: lease.id } }, { put: { key: mutexKey(etcd), value: `${self.name} ${options.purpose}`, lease: lease.id } }],
            [],
          );
      sentAt = Date.now();
      if (won.succeeded) break;
      const busy = await client.get(mutexKey(etcd));
      if (Date.now() >= deadline) throw new NgcertError("LOCKED", `another renewal holds the cluster's renewal lock in etcd (${busy?.value ?? "?"}); try again when it has finished`);
      await sleep(500);
    }
  } catch (error) {
    await client.revoke(lease.id).catch(() => undefined);
    throw error;
  }
  return keepRole(client, lease.id, lease.ttl, sentAt, self.name);
}

/** Keeps the lease alive until released; aborts the signal once it can no longer be sure to hold it. */
function keepRole(client: EtcdClient, leaseId: string, ttlSeconds: number, grantedAt: number, node: string): IssuerRole {
  const controller = new AbortController();
  let validUntil = grantedAt + ttlSeconds * 1000;
  let stopped = false;
  const stop = new AbortController();
  // Stop a second before the lease could have expired in etcd: the request that renewed it was sent no earlier.
  const marginMs = Math.min(1_000, (ttlSeconds * 1000) / 4);
  const loop = (async () => {
    while (!stopped) {
      await sleep(Math.max(200, (ttlSeconds * 1000) / 3), undefined, { signal: stop.signal }).catch(() => undefined);
      if (stopped) break;
      const sent = Date.now();
      try {
        const left = await client.keepAlive(leaseId);
        if (left > 0) validUntil = sent + left * 1000;
        else controller.abort(new Error("the issuer's lease in etcd expired"));
      } catch {
        // etcd did not answer: the lease may still hold; stop only when it could have run out.
      }
      if (Date.now() >= validUntil - marginMs) controller.abort(new Error("the issuer's lease in etcd could not be renewed in time"));
      if (controller.signal.aborted) break;
    }
  })();
  return {
    node,
    how: "lease",
    signal: controller.signal,
    release: async () => {
      stopped = true;
      stop.abort();
      await loop.catch(() => undefined);
      await client.revoke(leaseId).catch(() => undefined);
    },
  };
}
