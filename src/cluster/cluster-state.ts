// ngcert's cluster state on a node, in the state dir (root's alone): the journal of a receive in progress, and when
// each lineage last arrived from the issuer (status --nodes shows it).
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { ensureStateDir } from "../fs/state-dir.js";

export function clusterStateDir(letsencryptDir: string): string {
  const dir = path.join(ensureStateDir(letsencryptDir), "cluster");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

export function readStateFile<T>(letsencryptDir: string, file: string, fallback: T): T {
  try {
    return JSON.parse(readFileSync(path.join(clusterStateDir(letsencryptDir), file), "utf8")) as T;
  } catch {
    return fallback;
  }
}

export function writeStateFile(letsencryptDir: string, file: string, data: unknown): void {
  writeFileAtomic(path.join(clusterStateDir(letsencryptDir), file), `${JSON.stringify(data)}\n`, 0o600);
}

export interface ReceivedRecord {
  /** When the node last had the lineage confirmed by a push (installed, or found unchanged). */
  time: string;
  from: string;
  fingerprint: string;
  version: number | undefined;
}

const RECEIVED = "received.json";

export function readReceived(letsencryptDir: string): Record<string, ReceivedRecord> {
  const data = readStateFile<Record<string, ReceivedRecord>>(letsencryptDir, RECEIVED, {});
  return data !== null && typeof data === "object" && !Array.isArray(data) ? data : {};
}

export function recordReceived(letsencryptDir: string, records: Record<string, ReceivedRecord>): void {
  if (Object.keys(records).length === 0) return;
  try {
    writeStateFile(letsencryptDir, RECEIVED, { ...readReceived(letsencryptDir), ...records });
  } catch {
    // Only for status: a full disk must not turn an installed certificate into a failure.
  }
}
