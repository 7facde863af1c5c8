// `ngcert cluster receive` on a node: what the issuer pushed over ssh is installed in certbot's layout and brought
// into service through the same door as every reload on every node (deploy checks again, nginx -t, confirmed reload,
// handshake) — or refused there, and then the node keeps serving its previous certificate. The answer names, per
// lineage, what the node has in live/ and what nginx presents now.
import { listLineages } from "../certbot/list-lineages.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import { bringIntoService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { servedTarget } from "../served/served-target.js";
import { fetchServed } from "../served/probe-served.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { BUNDLE_FORMAT, type Bundle, type ReceivedLineage, type ReceiveReport } from "./bundle.js";
import { recordReceived, type ReceivedRecord } from "./cluster-state.js";
import { installAccount } from "./install-account.js";
import { installLineage, type InstallResult } from "./install-lineage.js";
import { clearIntents, finishInterruptedReceives } from "./receive-journal.js";

export interface ReceiveOptions {
  /** This node's name: a bundle meant for another node is refused. */
  self: string;
  now: () => Date;
  env: Record<string, string | undefined>;
  /** certbot may renew the received lineages here (false on every node that is not the issuer). */
  autorenew: boolean;
}

export async function receiveBundle(settings: Settings, exec: Exec, bundle: Bundle, options: ReceiveOptions): Promise<ReceiveReport> {
  if (bundle.to !== options.self) {
    throw new NgcertError("CONFLICT", `this node is "${options.self}", but ${bundle.from} sent this for "${bundle.to}": check the nodes' hosts in the "cluster" settings`);
  }
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "cluster receive", env: options.env, waitMs: 60_000 });
  try {
    const problems: string[] = [];
    const repaired = lock.owned ? [...finishInterrupted(settings), ...finishInterruptedReceives(settings.letsencryptDir)] : [];
    const accounts = bundle.accounts.map((account) => ({ relativeDir: account.relativeDir, status: installAccount(settings.letsencryptDir, account) }));
    const names = bundle.lineages.map((lineage) => lineage.name);
    const known = new Set(listLineages(settings.letsencryptDir).map((entry) => entry.name));
    const before = new Map((await collectFacts({ letsencryptDir: settings.letsencryptDir, names: names.filter((name) => known.has(name)) })).map((facts) => [facts.name, facts]));
    const to = { letsencryptDir: settings.letsencryptDir, workDir: settings.certbotWorkDir, logsDir: settings.certbotLogsDir, webroot: settings.webroot };
    const installed = new Map<string, InstallResult | { name: string; status: "failed"; reason: string }>();
    for (const lineage of bundle.lineages) {
      const current = before.get(lineage.name);
      try {
        installed.set(lineage.name, installLineage({ lineage, current: current && { fingerprint: current.fingerprint, notBefore: current.notBefore }, fromWebroot: bundle.webroot, to, autorenew: options.autorenew }));
      } catch (error) {
        installed.set(lineage.name, { name: lineage.name, status: "failed", reason: `could not be written: ${describeError(error)}` });
      }
    }
    const outcome = await bringIntoService(settings, exec, { by: `cluster receive from ${bundle.from}`, now: options.now(), configChanged: false, focus: names.filter((name) => installed.get(name)?.status !== "failed").map((name) => ({ name })) });
    clearIntents(settings.letsencryptDir, names);
    problems.push(...outcome.warnings);

    const after = new Map((await collectFacts({ letsencryptDir: settings.letsencryptDir, names: names.filter((name) => installed.get(name)?.status !== "failed" || known.has(name)) })).map((facts) => [facts.name, facts]));
    const doorOf = new Map(outcome.lineages.map((lineage) => [lineage.name, lineage]));
    const served = await fetchServed(servedTarget(settings), [...new Set(names.flatMap((name) => doorOf.get(name)?.domains ?? []))]);
    const records: Record<string, ReceivedRecord> = {};
    const lineages: ReceivedLineage[] = bundle.lineages.map((sent) => {
      const install = installed.get(sent.name)!;
      const door = doorOf.get(sent.name);
      const facts = after.get(sent.name);
      const base = {
        name: sent.name,
        service: door?.status,
        version: door?.status === "refused" ? (door.rollback?.rolledBack ? door.rollback.intent.target : door.version) : ("version" in install ? install.version : undefined) ?? door?.version,
        fingerprint: facts?.fingerprint,
        served: (door?.domains ?? []).map((domain) => {
          const result = served.get(domain);
          return result?.ok ? { domain, fingerprint: result.fingerprint } : { domain, fingerprint: null, error: result?.error ?? "not asked" };
        }),
      };
      if (install.status === "failed") return { ...base, version: undefined, status: "refused", reason: install.reason };
      if (door?.status === "refused") return { ...base, status: "refused", reason: door.reason ?? "refused by the deploy checks" };
      if (door?.status === "waiting" || door?.status === "not-served") return { ...base, status: "not-served", reason: door.reason ?? door.status };
      if (install.status !== "kept-newer" && facts?.fingerprint === sent.fingerprint) {
        records[sent.name] = { time: options.now().toISOString(), from: bundle.from, fingerprint: sent.fingerprint, version: base.version };
      }
      return install.status === "kept-newer" ? { ...base, status: "kept-newer", reason: install.reason } : { ...base, status: install.status };
    });
    recordReceived(settings.letsencryptDir, records);
    return { format: BUNDLE_FORMAT, node: options.self, accounts, lineages, reload: describeReloadOutcome(outcome.reload), setup: repaired, setupError: null, problems };
  } finally {
    lock.release();
  }
}

export function describeReloadOutcome(reload: ReloadOutcome): string {
  return "reason" in reload ? `${reload.status}: ${reload.reason}` : reload.status;
}
