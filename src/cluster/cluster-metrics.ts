// The agent's node_exporter textfile: whether this node is the issuer, and for each other node whether the last sync
// reached it, whether it holds and serves every lineage, how many it is missing, and when it was last in sync.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import type { NodeSync } from "./sync-nodes.js";

export interface NodeMetrics {
  up: boolean;
  inSync: boolean;
  /** Lineages the node does not hold or serve as it should. */
  failed: number;
  lastInSync: Date | undefined;
}

export interface ClusterMetrics {
  node: string;
  isIssuer: boolean;
  nodes: ReadonlyMap<string, NodeMetrics>;
  lastSync: Date | undefined;
}

const label = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

export function renderClusterMetrics(metrics: ClusterMetrics): string {
  const out: string[] = [];
  const family = (name: string, help: string, rows: string[]): void => {
    if (rows.length > 0) out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows);
  };
  const names = [...metrics.nodes.keys()].sort();
  const per = (metric: string, pick: (node: NodeMetrics) => number | undefined): string[] =>
    names.flatMap((name) => {
      const value = pick(metrics.nodes.get(name)!);
      return value === undefined ? [] : [`${metric}{node="${label(name)}"} ${value}`];
    });
  family("ngcert_cluster_is_issuer", "1 when this node is the cluster's issuer.", [`ngcert_cluster_is_issuer{node="${label(metrics.node)}"} ${metrics.isIssuer ? 1 : 0}`]);
  family("ngcert_cluster_node_up", "1 when the issuer's last sync reached the node over ssh.", per("ngcert_cluster_node_up", (node) => (node.up ? 1 : 0)));
  family("ngcert_cluster_node_in_sync", "1 when the node holds and serves every lineage of the issuer.", per("ngcert_cluster_node_in_sync", (node) => (node.inSync ? 1 : 0)));
  family("ngcert_cluster_node_lineages_failed", "Lineages the node failed to install or serve in the last sync.", per("ngcert_cluster_node_lineages_failed", (node) => node.failed));
  family("ngcert_cluster_node_last_sync_timestamp_seconds", "When the node was last found in sync.", per("ngcert_cluster_node_last_sync_timestamp_seconds", (node) => (node.lastInSync ? Math.floor(node.lastInSync.getTime() / 1000) : undefined)));
  if (metrics.lastSync) family("ngcert_cluster_last_sync_timestamp_seconds", "When this node last synced the others.", [`ngcert_cluster_last_sync_timestamp_seconds ${Math.floor(metrics.lastSync.getTime() / 1000)}`]);
  return `${out.join("\n")}\n`;
}

export function nodeMetricsOf(sync: NodeSync, previous: NodeMetrics | undefined, now: Date): NodeMetrics {
  const failed = sync.sent.filter((lineage) => lineage.status === "refused" || lineage.status === "not-served").length;
  return { up: sync.reachable, inSync: sync.ok, failed: sync.ok ? 0 : Math.max(failed, 1), lastInSync: sync.ok ? now : previous?.lastInSync };
}

export function writeClusterMetrics(file: string, metrics: ClusterMetrics): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, renderClusterMetrics(metrics), 0o644);
}
