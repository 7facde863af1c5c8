// What the cluster tests read to judge a run: a node's nginx access log (who answered the CA's challenge requests),
// every node's served certificate, and whether the suites can run here at all.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { requirePrograms } from "../../world/programs.js";
import { canBuildNetwork } from "./network.js";
import { servedFingerprint, type ClusterWorld } from "./cluster-world.js";

export interface ClusterCheck {
  skip: boolean;
  reason: string;
}

/** The cluster suites need the test world's programs, plus root for namespaces, sshd, etcd and nginx's stream module. */
export function requireClusterWorld(options: { etcd?: boolean } = {}): ClusterCheck {
  const programs = requirePrograms();
  if (programs.skip) return programs;
  const reasons: string[] = [];
  const network = canBuildNetwork();
  if (!network.ok) reasons.push(network.reason);
  const missing = [
    ["/usr/sbin/sshd", "openssh-server"],
    ["/usr/bin/ssh", "openssh-client"],
    ["/usr/bin/ssh-keygen", "openssh-client"],
    ["/usr/lib/nginx/modules/ngx_stream_module.so", "libnginx-mod-stream"],
    ...(options.etcd ? [["/usr/bin/etcd", "etcd-server"]] : []),
  ].filter(([file]) => !existsSync(file!));
  if (missing.length > 0) reasons.push(`missing ${missing.map(([file, pkg]) => `${file} (${pkg})`).join(", ")}`);
  if (reasons.length === 0) return { skip: false, reason: "" };
  const reason = reasons.join("; ");
  if (process.env.CI === "true" || process.env.CI === "1") {
    // Root without the packages is a CI machine .ci/run did not prepare: fail. As nobody (test-unprivileged.sh), skip.
    if (network.ok) throw new Error(`CI=true and the cluster test world cannot start: ${reason}. .ci/run installs them.`);
  }
  console.warn(`ngcert cluster e2e: skipped: ${reason}`);
  return { skip: true, reason };
}

export interface AccessEntry {
  remote: string;
  uri: string;
  status: number;
  userAgent: string;
}

export async function readNodeAccessLog(world: ClusterWorld, node: string): Promise<AccessEntry[]> {
  const text = await readFile(world.node(node).nginx.accessLog, "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AccessEntry);
}

/** The CA's challenge requests a node answered (through the balancer, which reaches the nodes from the bridge). */
export async function challengeRequests(world: ClusterWorld, node: string): Promise<AccessEntry[]> {
  return (await readNodeAccessLog(world, node)).filter((entry) => entry.uri.startsWith("/.well-known/acme-challenge/") && entry.remote === world.network.hostAddress);
}

/** Each node's served certificate for `domain`, asked on the node's own address. */
export async function servedByNode(world: ClusterWorld, domain: string): Promise<Record<string, string>> {
  const entries = await Promise.all(world.nodes.map(async (node) => [node.name, await servedFingerprint(node.net.address, 443, domain).catch((error: unknown) => `error: ${String(error)}`)] as const));
  return Object.fromEntries(entries);
}
