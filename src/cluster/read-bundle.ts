// The issuer's side of a push: the lineages as certbot left them (renewal conf, and the four files live/ points at),
// and the ACME accounts they renew with, so that whichever node issues next has the same account and the same
// challenge answer. Read under the writer lock, so no rollback changes a lineage while it is read.
import { readFileSync } from "node:fs";
import { findClusterAccount, readAccount, type CertbotAccount } from "../certbot/account.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { parseRenewalConf } from "../certbot/renewal-conf.js";
import { checkVersion } from "../deploy/check-new-version.js";
import { NgcertError, describeError, isNodeError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { BUNDLE_FORMAT, type Bundle, type BundleAccount, type BundleLineage } from "./bundle.js";

export function readBundleLineage(facts: LineageFacts): BundleLineage {
  if (facts.confPath === undefined) throw new NgcertError("INVALID_INPUT", `${facts.name} has no renewal conf: certbot could not renew it on another node`);
  if (facts.fingerprint === undefined) throw new NgcertError("INVALID_INPUT", `${facts.name}: cert.pem cannot be read`);
  const read = (file: string): string => {
    try {
      return readFileSync(file, "utf8");
    } catch (error) {
      throw new NgcertError("IO", `${facts.name}: cannot read ${file} (${isNodeError(error) ? error.code : String(error)})`, { cause: error });
    }
  };
  return {
    name: facts.name,
    conf: read(facts.confPath),
    fingerprint: facts.fingerprint,
    cert: read(facts.paths.cert),
    chain: read(facts.paths.chain),
    fullchain: read(facts.paths.fullchain),
    privkey: read(facts.paths.privkey),
  };
}

/** The cluster's account and every account a pushed lineage's renewal conf names. */
export function readBundleAccounts(settings: Settings, lineages: readonly BundleLineage[]): CertbotAccount[] {
  const accounts = new Map<string, CertbotAccount>();
  const own = findClusterAccount(settings.letsencryptDir, settings.server, settings.cluster?.account);
  if (own) accounts.set(own.relativeDir, own);
  for (const lineage of lineages) {
    let server: string | undefined;
    let id: string | undefined;
    try {
      const conf = parseRenewalConf(lineage.conf);
      server = typeof conf.params.server === "string" ? conf.params.server : undefined;
      id = typeof conf.params.account === "string" ? conf.params.account : undefined;
    } catch {
      continue; // the node's deploy checks will say what is wrong with the conf
    }
    if (server === undefined || id === undefined) continue;
    try {
      const account = readAccount(settings.letsencryptDir, server, id);
      accounts.set(account.relativeDir, account);
    } catch {
      // An account this node no longer has: the lineage still travels; renewing it elsewhere needs the account.
    }
  }
  return [...accounts.values()];
}

export function makeBundle(settings: Settings, from: string, to: string, lineages: BundleLineage[], accounts: readonly CertbotAccount[]): Bundle {
  const bundleAccounts: BundleAccount[] = accounts.map((account) => ({ relativeDir: account.relativeDir, files: account.files }));
  return { format: BUNDLE_FORMAT, from, to, letsencryptDir: settings.letsencryptDir, webroot: settings.webroot, accounts: bundleAccounts, lineages };
}

/** A lineage that may leave this node: readable, with a renewal conf, and fit to serve now. */
function holdReason(facts: LineageFacts, now: Date): string | undefined {
  if (facts.confPath === undefined) return "no renewal conf: certbot could not renew it elsewhere";
  if (facts.fingerprint === undefined) return "cert.pem cannot be read";
  const refusals = checkVersion(facts, now).refusals;
  return refusals.length > 0 ? `it fails the deploy checks here: ${refusals.join("; ")}` : undefined;
}

export interface Outgoing {
  lineages: BundleLineage[];
  notBefore: Map<string, string | undefined>;
  /** Lineages that do not leave this node, and why. */
  held: { name: string; reason: string }[];
  accounts: CertbotAccount[];
  /** The cluster account's thumbprint here. */
  thumbprint: string | undefined;
}

/** What this node would send (all its lineages, or the named ones), read under the writer lock: no rollback or
 *  renewal changes a lineage while its files are read. Only versions that pass the deploy checks here leave. */
export async function readOutgoing(settings: Settings, names: readonly string[], now: Date, env: Record<string, string | undefined>): Promise<Outgoing> {
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "cluster sync", env, waitMs: 60_000 });
  try {
    const all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir });
    const lineages: BundleLineage[] = [];
    const notBefore = new Map<string, string | undefined>();
    const held: Outgoing["held"] = [];
    for (const facts of all) {
      const reason = holdReason(facts, now);
      if (reason !== undefined) {
        held.push({ name: facts.name, reason });
        continue;
      }
      try {
        lineages.push(readBundleLineage(facts));
        notBefore.set(facts.name, facts.notBefore);
      } catch (error) {
        held.push({ name: facts.name, reason: describeError(error) });
      }
    }
    const accounts = readBundleAccounts(settings, lineages);
    const thumbprint = findClusterAccount(settings.letsencryptDir, settings.server, settings.cluster?.account)?.thumbprint;
    return { lineages, notBefore, held, accounts, thumbprint };
  } finally {
    lock.release();
  }
}
