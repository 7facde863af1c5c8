// Runs ngcert on another node with the system's ssh: never a password prompt (BatchMode), never a host key accepted
// unseen (StrictHostKeyChecking), a bounded connect, and keepalives so a node that vanishes mid-push ends the run.
// ssh hands the remote command to the remote user's shell as one string, so every word is quoted for it.
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import type { ClusterConfig, ClusterNode } from "../settings/cluster-config.js";

/** ssh's own exit status when it could not connect or the connection broke (the remote command's is passed on). */
export const SSH_FAILED = 255;

/** One word for a POSIX shell: single-quoted unless it is made of characters no shell treats specially. */
export function quoteForShell(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function sshArgs(cluster: ClusterConfig, node: ClusterNode, remote: readonly string[]): string[] {
  const options = [
    "-T",
    "-o", "BatchMode=yes",
    "-o", "StrictHostKeyChecking=yes",
    "-o", `ConnectTimeout=${cluster.ssh.connectTimeoutSeconds}`,
    "-o", "ServerAliveInterval=5",
    "-o", "ServerAliveCountMax=3",
    "-o", "LogLevel=ERROR",
  ];
  if (cluster.ssh.key !== undefined) options.push("-i", cluster.ssh.key, "-o", "IdentitiesOnly=yes");
  if (cluster.ssh.knownHosts !== undefined) options.push("-o", `UserKnownHostsFile=${cluster.ssh.knownHosts}`, "-o", "GlobalKnownHostsFile=/dev/null");
  options.push("-p", String(node.sshPort), "-l", cluster.ssh.user);
  // The destination after "--": a host can never be read as an option (it was checked as an address or DNS name too).
  return [...options, "--", node.host, [...node.command, ...remote].map(quoteForShell).join(" ")];
}

export interface NodeRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Runs `ngcert <remote...>` on the node; throws UNREACHABLE when ssh itself failed. */
export async function runOnNode(exec: Exec, cluster: ClusterConfig, node: ClusterNode, remote: readonly string[], options: { input?: string; timeoutMs: number }): Promise<NodeRun> {
  let result;
  try {
    result = await exec("ssh", sshArgs(cluster, node, remote), { input: options.input ?? "", allowFailure: true, timeoutMs: options.timeoutMs });
  } catch (error) {
    throw new NgcertError("UNREACHABLE", `${node.name} (${node.host}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (result.exitCode === SSH_FAILED) {
    const said = result.stderr.trim().split("\n").filter(Boolean).pop() ?? "ssh failed";
    throw new NgcertError("UNREACHABLE", `${node.name} (${node.host}) cannot be reached over ssh: ${said}`);
  }
  return { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs };
}
