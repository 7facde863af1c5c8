// Status of every lineage (or the named ones): facts from disk (or the cache), then the clock-dependent checks.
import { daysLeft, checkLineage } from "../checks/check-lineage.js";
import type { Problem } from "../checks/problem.js";
import { listLineages } from "../certbot/list-lineages.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import { NgcertError } from "../errors.js";
import { FactsCache, stampFile, stampPaths } from "./facts-cache.js";

export interface CertificateStatus {
  name: string;
  domains: string[];
  notBefore: string | null;
  notAfter: string | null;
  daysLeft: number | null;
  serial: string | null;
  issuer: string | null;
  keyType: string | null;
  authenticator: string | null;
  problems: Problem[];
}

export interface CollectOptions {
  letsencryptDir: string;
  names: readonly string[];
  now: Date;
  warnDays?: number | undefined;
  /** Directory for the facts cache; undefined: no cache. */
  cacheDir?: string | undefined;
}

export function collectFacts(options: Omit<CollectOptions, "now" | "warnDays">): LineageFacts[] {
  const all = listLineages(options.letsencryptDir);
  let entries = all;
  if (options.names.length > 0) {
    const known = new Set(all.map((entry) => entry.name));
    const unknown = options.names.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new NgcertError("NOT_FOUND", `no certificate named ${unknown.join(", ")} in ${options.letsencryptDir}; \`ngcert status\` lists them all`);
    }
    const wanted = new Set(options.names);
    entries = all.filter((entry) => wanted.has(entry.name));
  }
  const cache = options.cacheDir === undefined ? undefined : FactsCache.open(options.cacheDir, options.letsencryptDir);
  const facts = entries.map((entry) => {
    const confStamp = entry.hasConf ? stampFile(renewalConfPath(options.letsencryptDir, entry.name)) : "-";
    const cached = cache?.lookup(entry.name, confStamp);
    if (cached) return cached;
    let stamp = "";
    const read = readLineageFacts(options.letsencryptDir, entry.name, entry.hasConf, (paths) => {
      stamp = `${confStamp}|${stampPaths(paths)}`;
    });
    cache?.store(entry.name, stamp, read);
    return read;
  });
  if (cache) {
    if (options.names.length === 0) cache.retain(new Set(all.map((entry) => entry.name)));
    cache.save();
  }
  return facts;
}

export function toStatus(facts: LineageFacts, now: Date, warnDays: number | undefined): CertificateStatus {
  return {
    name: facts.name,
    domains: facts.domains,
    notBefore: facts.notBefore ?? null,
    notAfter: facts.notAfter ?? null,
    daysLeft: facts.notAfter === undefined ? null : daysLeft(facts.notAfter, now),
    serial: facts.serial ?? null,
    issuer: facts.issuer ?? null,
    keyType: facts.keyType ?? null,
    authenticator: facts.authenticator ?? null,
    problems: checkLineage(facts, { now, warnDays }),
  };
}

export function collectStatus(options: CollectOptions): CertificateStatus[] {
  return collectFacts(options).map((facts) => toStatus(facts, options.now, options.warnDays));
}
