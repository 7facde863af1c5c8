// doctor's question for a cluster: does every node answer a challenge of the cluster's account, with no token file
// anywhere? A random token in ACME's alphabet is asked of each node directly (as the CA would after the balancer
// picked it); the answer must be `<token>.<thumbprint>` as text/plain.
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { findClusterAccount } from "../certbot/account.js";
import { finding, type Finding } from "../checks/finding.js";
import type { ClusterNode } from "../settings/cluster-config.js";
import type { Settings } from "../settings/settings.js";
import { forEachLimited } from "./push.js";
import { requireCluster } from "./this-node.js";

/** `hostNames`: the names to ask for on each node (the CA asks with the certificate's names); "" for none. */
export async function checkClusterChallenges(settings: Settings, options: { hostNames: readonly string[] }): Promise<Finding[]> {
  const { cluster } = requireCluster(settings);
  const account = findClusterAccount(settings.letsencryptDir, settings.server, cluster.account);
  if (!account) {
    return [finding("CLUSTER_NO_ACCOUNT", "error", `certbot has no account for ${settings.server} on this node: no node can answer the cluster's challenges`, { fix: "run `ngcert cluster init` on the issuer" })];
  }
  const names = options.hostNames.length > 0 ? [...new Set(options.hostNames)] : ["ngcert-probe.invalid"];
  const perNode = await forEachLimited(cluster.nodes, cluster.parallel, async (node): Promise<Finding[]> => {
    const found = await forEachLimited(names, 8, (name) => checkOne(settings, node, name, account.thumbprint));
    const failed = found.filter((entry): entry is Finding => entry !== undefined);
    // A node wrong for every name is one finding, not one per name.
    if (failed.length > 1 && failed.length === names.length && failed.every((entry) => entry.code === failed[0]!.code)) {
      return [{ ...failed[0]!, domain: null, message: `${failed[0]!.message} (for all ${names.length} names asked)` }];
    }
    return failed;
  });
  return perNode.flat();
}

async function checkOne(settings: Settings, node: ClusterNode, hostName: string, thumbprint: string): Promise<Finding | undefined> {
  const token = randomBytes(32).toString("base64url");
  const expected = `${token}.${thumbprint}`;
  const url = `http://${node.host.includes(":") ? `[${node.host}]` : node.host}:${settings.httpPort}/.well-known/acme-challenge/${token}`;
  const answer = await get(node.host, settings.httpPort, `/.well-known/acme-challenge/${token}`, hostName);
  if ("error" in answer) return finding("CLUSTER_NODE_UNREACHABLE", "error", `${node.name}: no answer from ${url} (${answer.error}): the CA fails whenever the balancer sends it there`, { domain: hostName, fix: `start nginx on ${node.name}, or take it out of the balancer` });
  const plain = /^text\/plain\b/.test(answer.contentType ?? "");
  if (answer.status === 200 && answer.body === expected && plain) return undefined;
  const seen = answer.status !== 200 ? `HTTP ${answer.status}` : answer.body !== expected ? `"${answer.body.slice(0, 80)}"` : `Content-Type ${answer.contentType ?? "none"}`;
  return finding("CLUSTER_THUMBPRINT", "error", `${node.name} answers a challenge of the cluster's account (thumbprint ${thumbprint}) for ${hostName} with ${seen}, not the key authorization: validation fails whenever the CA reaches it`, {
    domain: hostName,
    fix: `on the issuer: \`ngcert cluster sync\` (brings the account to ${node.name} and rewrites its challenge location); or on ${node.name}: \`ngcert init\``,
  });
}

function get(host: string, port: number, path: string, hostName: string): Promise<{ status: number; body: string; contentType: string | undefined } | { error: string }> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, headers: { host: hostName, "user-agent": "ngcert doctor (cluster challenge check)" }, timeout: 5_000, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), contentType: res.headers["content-type"] }));
      res.on("error", (error) => resolve({ error: error.message }));
    });
    req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", (error) => resolve({ error: error.message }));
    req.end();
  });
}
