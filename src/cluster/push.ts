// Sends a bundle to one node over ssh and reads its answer: unreachable, refused by the node (with its reasons), or
// installed and served there with the fingerprint nginx presents. Nodes are pushed to a few at a time.
import type { Exec } from "../exec.js";
import { describeError } from "../errors.js";
import type { ClusterConfig, ClusterNode } from "../settings/cluster-config.js";
import { isReceiveFailure, type Bundle, type ReceiveReport } from "./bundle.js";
import { runOnNode } from "./ssh.js";

/** A receive reloads nginx and proves it by handshake: minutes for thousands of lineages, never forever. */
export const RECEIVE_TIMEOUT_MS = 15 * 60_000;

export interface PushOutcome {
  node: string;
  reachable: boolean;
  /** The node's answer, when it gave one. */
  report: ReceiveReport | undefined;
  /** Why the push failed as a whole (unreachable, no answer, the node's error). */
  error: string | undefined;
  /** Every lineage sent is in the node's live/ and served there as it should be. */
  ok: boolean;
  durationMs: number;
}

export async function pushBundle(exec: Exec, cluster: ClusterConfig, node: ClusterNode, bundle: Bundle): Promise<PushOutcome> {
  const started = Date.now();
  const base = { node: node.name, report: undefined, ok: false };
  let run;
  try {
    run = await runOnNode(exec, cluster, node, ["cluster", "receive"], { input: JSON.stringify(bundle), timeoutMs: RECEIVE_TIMEOUT_MS });
  } catch (error) {
    return { ...base, reachable: false, error: describeError(error), durationMs: Date.now() - started };
  }
  const report = parseReceiveReport(run.stdout);
  if (!report) {
    const said = run.stderr.trim().split("\n").filter(Boolean).slice(-2).join(" / ") || `exit code ${run.exitCode}`;
    return { ...base, reachable: true, error: `ngcert on ${node.name} did not take the certificates: ${said}`, durationMs: Date.now() - started };
  }
  if (report.node !== node.name) {
    return { ...base, reachable: true, report, error: `${node.host} answered as "${report.node}", not "${node.name}"`, durationMs: Date.now() - started };
  }
  const ok = report.lineages.every((lineage) => !isReceiveFailure(lineage)) && report.lineages.length === bundle.lineages.length && report.setupError === null;
  return { node: node.name, reachable: true, report, error: report.setupError ?? undefined, ok, durationMs: Date.now() - started };
}

function parseReceiveReport(stdout: string): ReceiveReport | undefined {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    const data = JSON.parse(line) as Partial<ReceiveReport>;
    return Array.isArray(data.lineages) && typeof data.node === "string" ? (data as ReceiveReport) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `work` for every item, at most `parallel` at once, results in the items' order. */
export async function forEachLimited<T, R>(items: readonly T[], parallel: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker));
  return results;
}
