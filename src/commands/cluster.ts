// `ngcert cluster init|sync|run|receive|report`: several nginx nodes behind one name (see src/cluster/). init, sync
// and run are for people (and systemd); receive and report are what the issuer runs on the other nodes over ssh.
import type { CommandModule, ParsedArgs } from "./command-module.js";
import { openEventStream } from "./event-stream.js";
import type { Context } from "../context.js";
import { NgcertError, describeError } from "../errors.js";
import { switchAutorenew } from "../cluster/autorenew-switch.js";
import { parseBundle, type ReceiveReport } from "../cluster/bundle.js";
import { readNodeReport } from "../cluster/node-report.js";
import { receiveBundle } from "../cluster/receive-bundle.js";
import { makeBundle, readOutgoing } from "../cluster/read-bundle.js";
import { ensureClusterAccount } from "../cluster/register-account.js";
import { runAgent, type ClusterEvent } from "../cluster/run-agent.js";
import { runAsIssuer } from "../cluster/run-as-issuer.js";
import { isSyncFailure, renderSyncLines } from "../cluster/render-sync.js";
import { syncNodes } from "../cluster/sync-nodes.js";
import { requireCluster } from "../cluster/this-node.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { runInit } from "../init/run-init.js";
import { hostHasIpv6 } from "../nginx/host-ipv6.js";
import { findClusterAccount } from "../certbot/account.js";
import { readSnippetThumbprint, acmeSnippetPath } from "../nginx/render-acme.js";
import { runRenew } from "../renew/run-renew.js";
import type { Settings } from "../settings/settings.js";
import { splitCommand } from "../settings/split-command.js";
import { readFileSync } from "node:fs";

const ACTIONS = ["init", "sync", "run", "receive", "report", "export"] as const;

export const clusterCommand: CommandModule = {
  command: "cluster <action> [names..]",
  describe: "several nginx nodes behind one name: init (on the issuer), sync (bring every node up to date), run (the node's agent)",
  builder: (yargs) =>
    yargs
      .positional("action", { type: "string", choices: ACTIONS, describe: "init, sync, run; receive, report and export are run by the issuer over ssh" })
      .positional("names", { type: "string", array: true, describe: "sync: only these certificates" })
      .option("json", { type: "boolean", describe: "sync, report: print one JSON document" })
      .option("to", { type: "string", requiresArg: true, describe: "export: the node the certificates are for" })
      .option("served", { type: "boolean", describe: "report: also ask nginx which certificate it serves for each name" })
      .option("metrics-file", { type: "string", requiresArg: true, describe: "run: keep a node_exporter textfile of the cluster's state here" })
      .option("on-event", { type: "string", requiresArg: true, describe: "run: run this command per event with the JSON on stdin (no shell)" })
      .option("sync-interval", { type: "string", requiresArg: true, describe: "run: seconds between syncs of the other nodes, on the issuer [60]" })
      .option("renew-interval", { type: "string", requiresArg: true, describe: "run: seconds between renewals by the elected issuer (etcd) [43200]" }),
  run: async (args, settings, context) => {
    switch (args.action) {
      case "init":
        return runClusterInit(args, settings, context);
      case "sync":
        return runClusterSync(args, settings, context);
      case "run":
        return runClusterAgent(args, settings, context);
      case "receive":
        return runClusterReceive(settings, context);
      case "report": {
        const { self } = requireCluster(settings);
        const report = await readNodeReport(settings, self.name, { now: context.now(), served: args.served === true, names: names(args), workerScript: context.workerScript });
        context.stdout.write(`${JSON.stringify(report)}\n`);
        return 0;
      }
      case "export":
        return runClusterExport(args, settings, context);
      default:
        throw new NgcertError("USAGE", `unknown cluster action ${String(args.action)}`);
    }
  },
};

const names = (args: ParsedArgs): string[] => ((args.names as unknown[] | undefined) ?? []).map(String);

async function runClusterInit(args: ParsedArgs, settings: Settings, context: Context): Promise<number> {
  if (!context.selfCommand) throw new NgcertError("USAGE", "ngcert cluster init must run from the built ngcert (dist/cli.js) so the hooks can call it");
  const say = (line: string): void => context.stderr.write(`${line}\n`);
  const cluster = requireCluster(settings);
  const { account, registered } = await ensureClusterAccount(settings, context.exec, cluster, context.env);
  say(`${registered ? "registered" : "using"} certbot account ${account.id} for ${settings.server}: challenges are answered with its thumbprint ${account.thumbprint} on every node`);
  const init = await runInit(settings, context.exec, { dryRun: false, selfCommand: context.selfCommand, ipv6: hostHasIpv6(), env: context.env, now: context.now });
  for (const warning of init.warnings) say(`warning: ${warning}`);
  say(`${cluster.self.name}: ${init.actions.some((action) => action.kind !== "unchanged") ? "set up" : "already set up"}`);
  if (cluster.cluster.etcd) await withWriterLock(settings, context, () => void switchAutorenew(settings.letsencryptDir, false));
  return reportSync(args, context, await syncNodes(settings, context.exec, { now: context.now(), env: context.env }));
}

async function runClusterSync(args: ParsedArgs, settings: Settings, context: Context): Promise<number> {
  const result = await syncNodes(settings, context.exec, { names: names(args).length > 0 ? names(args) : undefined, now: context.now(), env: context.env });
  return reportSync(args, context, result);
}

function reportSync(args: ParsedArgs, context: Context, result: Awaited<ReturnType<typeof syncNodes>>): number {
  if (args.json) context.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  for (const line of renderSyncLines(result)) context.stderr.write(`${line}\n`);
  return isSyncFailure(result) ? 1 : 0;
}

/** The issuer fetching what this node issued before it (etcd's records name this node): the lineages as a bundle. */
async function runClusterExport(args: ParsedArgs, settings: Settings, context: Context): Promise<number> {
  const { cluster, self } = requireCluster(settings);
  const to = typeof args.to === "string" ? args.to : "";
  if (!cluster.nodes.some((node) => node.name === to && node.name !== self.name)) throw new NgcertError("USAGE", `--to must name another node of the cluster (${cluster.nodes.map((node) => node.name).join(", ")}), not ${JSON.stringify(args.to)}`);
  if (names(args).length === 0) throw new NgcertError("USAGE", "name the certificates to export");
  const outgoing = await readOutgoing(settings, names(args), context.now(), context.env);
  for (const held of outgoing.held) context.stderr.write(`${held.name}: not exported: ${held.reason}\n`);
  context.stdout.write(`${JSON.stringify(makeBundle(settings, self.name, to, outgoing.lineages, outgoing.accounts))}\n`);
  return outgoing.held.length > 0 ? 1 : 0;
}

async function runClusterReceive(settings: Settings, context: Context): Promise<number> {
  const { self } = requireCluster(settings);
  const bundle = parseBundle(await readStdin());
  const report = await receiveBundle(settings, context.exec, bundle, { self: self.name, now: context.now, env: context.env, autorenew: false });
  await answerWithAccount(settings, context, report);
  context.stdout.write(`${JSON.stringify(report)}\n`);
  const failed = report.lineages.some((lineage) => lineage.status === "refused" || lineage.status === "not-served") || report.setupError !== null;
  return failed ? 1 : 0;
}

/** After an account arrived: the challenge location answers with its thumbprint once init has rewritten it. */
async function answerWithAccount(settings: Settings, context: Context, report: ReceiveReport): Promise<void> {
  let thumbprint: string | undefined;
  try {
    thumbprint = findClusterAccount(settings.letsencryptDir, settings.server, settings.cluster?.account)?.thumbprint;
  } catch (error) {
    report.setupError = describeError(error);
    return;
  }
  let current: string | undefined;
  try {
    current = readSnippetThumbprint(readFileSync(acmeSnippetPath(settings.nginxDir), "utf8"));
  } catch {
    current = undefined;
  }
  if (thumbprint === undefined || current === thumbprint) return;
  if (!context.selfCommand) {
    report.setupError = "ngcert must run from the built ngcert (dist/cli.js) to set this node up";
    return;
  }
  try {
    const init = await runInit(settings, context.exec, { dryRun: false, selfCommand: context.selfCommand, ipv6: hostHasIpv6(), env: context.env, now: context.now });
    report.setup.push(`challenge location now answers for the cluster's account (thumbprint ${thumbprint})`);
    report.problems.push(...init.warnings);
    if (init.reload?.status === "blocked" || init.reload?.status === "failed") report.setupError = `set up, but nginx was not reloaded: ${init.reload.reason}`;
  } catch (error) {
    report.setupError = `cannot set this node up to answer the cluster's challenges: ${describeError(error)}`;
  }
}

async function runClusterAgent(args: ParsedArgs, settings: Settings, context: Context): Promise<number> {
  const seconds = (name: string, fallback: number): number => {
    const text = args[name] === undefined ? String(fallback) : String(args[name]);
    if (!/^\d+$/.test(text) || Number(text) < 1) throw new NgcertError("USAGE", `--${name} ${JSON.stringify(args[name])} is not a whole number of seconds (1 or more)`);
    return Number(text) * 1000;
  };
  const syncIntervalMs = seconds("sync-interval", 60);
  const renewIntervalMs = seconds("renew-interval", 43_200);
  const onEvent = typeof args["on-event"] === "string" ? splitCommand(args["on-event"], "--on-event") : undefined;
  const log = (line: string): void => context.stderr.write(`ngcert cluster: ${line}\n`);
  const events = openEventStream<ClusterEvent>(context, (event) => `${JSON.stringify(event)}\n`, onEvent, log);
  try {
    await runAgent(settings, context.exec, {
      syncIntervalMs,
      renewIntervalMs,
      metricsFile: typeof args["metrics-file"] === "string" ? args["metrics-file"] : undefined,
      emit: events.emit,
      log,
      now: context.now,
      env: context.env,
      signal: events.signal,
      renew: () =>
        runAsIssuer(settings, context.exec, { purpose: "renew", env: context.env, now: context.now }, (exec, env) =>
          runRenew(settings, exec, { force: false, certName: undefined, dryRun: false, env, showProgress: false, now: context.now }),
        ),
    });
  } finally {
    await events.close();
  }
  log("stopped");
  return 0;
}

async function withWriterLock(settings: Settings, context: Context, work: () => void): Promise<void> {
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "cluster init", env: context.env });
  try {
    work();
  } finally {
    lock.release();
  }
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on("data", (chunk: Buffer) => chunks.push(chunk));
    process.stdin.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    process.stdin.on("error", reject);
  });
}
