// Which node of the cluster this machine is: named as "self" in the config, else the node whose host is one of this
// machine's addresses or its host name.
import { hostname, networkInterfaces } from "node:os";
import { NgcertError } from "../errors.js";
import { findSelf, type ClusterConfig, type ClusterNode } from "../settings/cluster-config.js";
import type { Settings } from "../settings/settings.js";

export interface ClusterContext {
  cluster: ClusterConfig;
  self: ClusterNode;
  /** Every other node. */
  others: ClusterNode[];
}

export function machineAddresses(): string[] {
  return Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address));
}

export function requireCluster(settings: Settings): ClusterContext {
  const cluster = settings.cluster;
  if (!cluster) throw new NgcertError("CONFIG", `this node is not part of a cluster: add a "cluster" object to ${settings.configPath} (see README, "Several nginx nodes behind one name")`);
  const self = findSelf(cluster, { addresses: machineAddresses(), hostname: hostname() });
  if (!self) {
    throw new NgcertError(
      "CONFIG",
      `cannot tell which of the nodes (${cluster.nodes.map((node) => `${node.name} ${node.host}`).join(", ")}) this machine is: no node's host is one of its addresses or its name; add "self": "<name>" to "cluster" in ${settings.configPath}`,
    );
  }
  return { cluster, self, others: cluster.nodes.filter((node) => node.name !== self.name) };
}
