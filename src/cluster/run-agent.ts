// `ngcert cluster run`: the long-running part of a cluster node. With etcd it takes part in the election (and, as the
// issuer, renews on a schedule: certbot's own timer renews nothing on an elected cluster); on the issuer it brings
// every node up to date on a schedule, which is how a node that failed or was down catches up. Each change is one
// JSON event line; --metrics-file keeps a node_exporter textfile. Errors are reported and it goes on.
import { setTimeout as sleep } from "node:timers/promises";
import type { Exec } from "../exec.js";
import { describeError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { switchAutorenew } from "./autorenew-switch.js";
import { nodeMetricsOf, writeClusterMetrics, type NodeMetrics } from "./cluster-metrics.js";
import { IssuerElection } from "./issuer-election.js";
import type { PullResult } from "./pull-issued.js";
import type { IssuerRun } from "./run-as-issuer.js";
import { syncNodes, type NodeSync } from "./sync-nodes.js";
import { requireCluster } from "./this-node.js";

export type ClusterEventKind = "started" | "issuer" | "elected" | "demoted" | "synced" | "node-failed" | "node-recovered" | "renewed" | "fetched" | "problem";

export interface ClusterEvent {
  time: string;
  event: ClusterEventKind;
  node?: string;
  [detail: string]: unknown;
}

export interface AgentOptions {
  syncIntervalMs: number;
  /** How often the elected issuer renews (etcd only). */
  renewIntervalMs: number;
  metricsFile: string | undefined;
  emit: (event: ClusterEvent) => void;
  log: (line: string) => void;
  now: () => Date;
  env: Record<string, string | undefined>;
  signal: AbortSignal;
  /** One renewal run as the issuer (the command wires ngcert's renew in). */
  renew: () => Promise<IssuerRun<unknown>>;
}

export async function runAgent(settings: Settings, exec: Exec, options: AgentOptions): Promise<void> {
  const { cluster, self } = requireCluster(settings);
  const emit = (event: ClusterEventKind, details: Record<string, unknown> = {}): void => options.emit({ time: options.now().toISOString(), event, ...details });
  const nodes = new Map<string, NodeMetrics>();
  let lastSync: Date | undefined;
  let isIssuer = !cluster.etcd && cluster.issuer === self.name;
  const failing = new Map<string, string>();
  const writeMetrics = (): void => {
    if (!options.metricsFile) return;
    try {
      writeClusterMetrics(options.metricsFile, { node: self.name, isIssuer, nodes, lastSync });
    } catch (error) {
      options.log(`cannot write ${options.metricsFile}: ${describeError(error)}`);
    }
  };

  if (cluster.etcd) {
    // At rest no lineage renews by itself on an elected cluster, whatever this node was before it stopped.
    const lock = await acquireWriterLock(settings.letsencryptDir, { command: "cluster run", env: options.env, waitMs: 60_000 });
    try {
      switchAutorenew(settings.letsencryptDir, false);
    } finally {
      lock.release();
    }
  }
  emit("started", { node: self.name, mode: cluster.etcd ? "etcd" : "configured", ...(cluster.etcd ? {} : { issuer: cluster.issuer }) });
  writeMetrics();

  const reportPulls = (pulls: readonly PullResult[]): void => {
    for (const pull of pulls) {
      if (pull.pulled.length > 0) emit("fetched", { from: pull.from, names: pull.pulled });
      if (pull.error !== undefined) emit("problem", { reason: `fetching from ${pull.from}: ${pull.error}` });
    }
  };

  const reportSync = (results: readonly NodeSync[]): void => {
    for (const result of results) {
      nodes.set(result.node, nodeMetricsOf(result, nodes.get(result.node), options.now()));
      const failed = result.sent.filter((lineage) => lineage.status === "refused" || lineage.status === "not-served");
      if (result.ok) {
        if (failing.delete(result.node)) emit("node-recovered", { node: result.node });
        if (result.sent.length > 0 || result.setup.length > 0) emit("synced", { node: result.node, sent: result.sent.map((lineage) => ({ name: lineage.name, status: lineage.status, fingerprint: lineage.fingerprint })) });
        continue;
      }
      const reason = result.error ?? failed.map((lineage) => `${lineage.name}: ${lineage.reason ?? lineage.status}`).join("; ");
      if (failing.get(result.node) !== reason) emit("node-failed", { node: result.node, reachable: result.reachable, reason, lineages: failed.map((lineage) => lineage.name) });
      failing.set(result.node, reason);
    }
  };

  const sync = async (): Promise<void> => {
    try {
      const result = await syncNodes(settings, exec, { now: options.now(), env: options.env });
      lastSync = options.now();
      for (const held of result.held) options.log(`${held.name} is not sent to the other nodes: ${held.reason}`);
      reportPulls(result.pulled);
      reportSync(result.nodes);
    } catch (error) {
      emit("problem", { reason: `sync: ${describeError(error)}` });
    }
    writeMetrics();
  };

  const renew = async (): Promise<void> => {
    try {
      const run = await options.renew();
      lastSync = options.now();
      reportPulls(run.pulled);
      emit("renewed", { issued: run.issued, behind: run.behind.map((entry) => ({ name: entry.name, by: entry.record.node })) });
      reportPulls(run.sync.pulled);
      reportSync(run.sync.nodes);
    } catch (error) {
      emit("problem", { reason: `renew: ${describeError(error)}` });
    }
    writeMetrics();
  };

  const election = cluster.etcd ? new IssuerElection(cluster.etcd, self.name) : undefined;
  let holder: string | undefined = cluster.etcd ? undefined : cluster.issuer;
  let nextSync = 0;
  let nextRenew = 0;
  const tickMs = cluster.etcd ? Math.max(250, (cluster.etcd.leaseSeconds * 1000) / 3) : Math.min(1_000, options.syncIntervalMs);
  // The election runs on its own timer, so a long renewal or sync never lets the lease lapse.
  const electionLoop = (async () => {
    while (election && !options.signal.aborted) {
      const state = await election.step();
      if (state.error) options.log(`etcd: ${state.error}`);
      if (state.holder !== holder) {
        holder = state.holder;
        emit("issuer", { issuer: holder ?? null });
      }
      if (state.mine !== isIssuer) {
        isIssuer = state.mine;
        emit(isIssuer ? "elected" : "demoted", { node: self.name });
        // A new issuer renews what is due at once and brings every node up to date.
        nextSync = 0;
        nextRenew = 0;
        writeMetrics();
      }
      await sleep(tickMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  })();
  try {
    while (!options.signal.aborted) {
      if (isIssuer && election?.isMine !== false) {
        const now = Date.now();
        if (cluster.etcd && now >= nextRenew) {
          nextRenew = now + options.renewIntervalMs;
          nextSync = now + options.syncIntervalMs; // the renewal ends with a sync
          await renew();
        } else if (now >= nextSync) {
          nextSync = now + options.syncIntervalMs;
          await sync();
        }
      }
      await sleep(Math.min(tickMs, 1_000), undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    await electionLoop;
    await election?.resign();
  }
}
