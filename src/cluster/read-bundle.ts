// The issuer's side of a push: the lineages as certbot left them (renewal conf, and the four files live/ points at),
// and the ACME accounts they renew with, so that whichever node issues next has the same account and the same
// challenge answer. Read under the writer lock, so no rollback changes a lineage while it is read.
import { readFileSync } from "node:fs";
import { findClusterAccount, readAccount, type CertbotAccount } from "../certbot/account.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { parseRenewalConf } from "../certbot/renewal-conf.js";
import { NgcertError, isNodeError } from "../errors.js";
import type { Settings } from "../settings/settings.js";
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
