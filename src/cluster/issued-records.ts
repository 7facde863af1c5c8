// What each issuer last obtained, kept in etcd (<prefix>issued/<name>): a node that becomes the issuer before the
// previous issuer's new certificate reached it sees that it exists, and does not order it a second time.
import type { LineageFacts } from "../certbot/lineage.js";
import type { EtcdConfig } from "../settings/cluster-config.js";
import { EtcdClient } from "./etcd-client.js";

export interface IssuedRecord {
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  node: string;
  time: string;
}

const issuedPrefix = (etcd: EtcdConfig): string => `${etcd.prefix}issued/`;

export async function readIssuedRecords(etcd: EtcdConfig): Promise<Map<string, IssuedRecord>> {
  const records = new Map<string, IssuedRecord>();
  for (const kv of await new EtcdClient(etcd.endpoints).getPrefix(issuedPrefix(etcd))) {
    try {
      const record = JSON.parse(kv.value) as IssuedRecord;
      if (typeof record.fingerprint === "string" && typeof record.notBefore === "string") records.set(kv.key.slice(issuedPrefix(etcd).length), record);
    } catch {
      // Not ours to read: ignored.
    }
  }
  return records;
}

export async function recordIssued(etcd: EtcdConfig, node: string, lineages: readonly LineageFacts[], now: Date): Promise<void> {
  const client = new EtcdClient(etcd.endpoints);
  for (const facts of lineages) {
    if (!facts.fingerprint || !facts.notBefore || !facts.notAfter) continue;
    const record: IssuedRecord = { fingerprint: facts.fingerprint, notBefore: facts.notBefore, notAfter: facts.notAfter, node, time: now.toISOString() };
    await client.put(`${issuedPrefix(etcd)}${facts.name}`, JSON.stringify(record));
  }
}
