// The agent's side of the election: every node's `ngcert cluster run` tries to create the issuer key with a lease of
// its own; the one that succeeds is the issuer for as long as it keeps the lease alive. When it dies (or loses etcd),
// its lease runs out and the key disappears, and the next node to try becomes the issuer. etcd's transaction is the
// only arbiter; a node that cannot renew its lease in time stops calling itself the issuer before etcd could expire it.
import type { EtcdConfig } from "../settings/cluster-config.js";
import { EtcdClient } from "./etcd-client.js";
import { issuerKey } from "./issuer-role.js";

export interface ElectionState {
  /** The node named in the issuer key, as last seen (undefined: nobody, or etcd not reachable). */
  holder: string | undefined;
  mine: boolean;
  /** Why etcd could not be asked, when it could not. */
  error: string | undefined;
}

export class IssuerElection {
  private lease: string | undefined;
  private validUntil = 0;
  private readonly client: EtcdClient;

  constructor(
    private readonly etcd: EtcdConfig,
    private readonly self: string,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new EtcdClient(etcd.endpoints, Math.max(1_000, (etcd.leaseSeconds * 1000) / 3));
  }

  get isMine(): boolean {
    return this.lease !== undefined && this.now() < this.validUntil - this.marginMs();
  }

  /** One round: renew the lease when this node holds the key, else try to take it. Call every leaseSeconds/3. */
  async step(): Promise<ElectionState> {
    try {
      if (this.lease !== undefined) {
        const sent = this.now();
        const left = await this.client.keepAlive(this.lease);
        if (left > 0) this.validUntil = sent + left * 1000;
        else this.lease = undefined;
      }
      if (this.lease === undefined) {
        const sent = this.now();
        const granted = await this.client.grant(this.etcd.leaseSeconds);
        const won = await this.client.txn([{ key: issuerKey(this.etcd), target: "CREATE", createRevision: 0 }], [{ put: { key: issuerKey(this.etcd), value: this.self, lease: granted.id } }], [{ range: { key: issuerKey(this.etcd) } }]);
        if (won.succeeded) {
          this.lease = granted.id;
          this.validUntil = sent + granted.ttl * 1000;
          return { holder: this.self, mine: true, error: undefined };
        }
        await this.client.revoke(granted.id).catch(() => undefined);
        return { holder: won.ranges[0]?.[0]?.value || undefined, mine: false, error: undefined };
      }
      const holder = await this.client.get(issuerKey(this.etcd));
      if (holder?.value !== this.self || holder.lease !== this.lease) this.lease = undefined;
      return { holder: holder?.value || undefined, mine: this.isMine, error: undefined };
    } catch (error) {
      // etcd not reachable: still the issuer until the lease could have run out, then not.
      if (!this.isMine) this.lease = undefined;
      return { holder: this.isMine ? this.self : undefined, mine: this.isMine, error: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Gives the role up (the agent is stopping): another node takes over at once instead of after the lease. */
  async resign(): Promise<void> {
    if (this.lease === undefined) return;
    const lease = this.lease;
    this.lease = undefined;
    await this.client.revoke(lease).catch(() => undefined);
  }

  private marginMs(): number {
    return Math.min(1_000, (this.etcd.leaseSeconds * 1000) / 4);
  }
}
