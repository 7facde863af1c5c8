// Status of every lineage (or the named ones): facts from disk (or the cache), then the clock-dependent checks.
import path from "node:path";
import { daysLeft, checkLineage } from "../checks/check-lineage.js";
import type { Problem } from "../certbot/problem.js";
import { compareCodePoints, findOrphanLiveDirs, listLetsencryptDir, type LineageEntry } from "../certbot/list-lineages.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { NgcertError, escapeControl } from "../errors.js";
import { showInput } from "../text/show-input.js";
import { judgeRenewalTiming, type RenewReason } from "../timing/renewal-timing.js";
import { readTimingState, type LineageTiming } from "../timing/timing-state.js";
import { FactsCache } from "./facts-cache.js";
import { readAllStamped } from "./parallel-read.js";
import { confStampOf } from "./read-stamped.js";

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
  /** When ngcert (and certbot's own timer) renews it, and why: see timing/renewal-timing.ts. */
  renewAfter: string | null;
  renewReason: RenewReason | null;
  /** The page the CA's renewal information points to for this certificate (an incident, a revocation), if any. */
  explanationURL: string | null;
  /** After failed renewals: the next attempt the failure budget allows, and what went wrong last. */
  nextAttempt: string | null;
  lastError: string | null;
  problems: Problem[];
}

export interface CollectOptions {
  letsencryptDir: string;
  names: readonly string[];
  now: Date;
  warnDays?: number | undefined;
  /** Directory for the facts cache; undefined: no cache. */
  cacheDir?: string | undefined;
  /** When the files are read (for the cache's racy-stamp rule); defaults to the real clock. */
  readAtMs?: number;
  /** See Context.workerScript. */
  workerScript?: string | undefined;
  /** Told why the cache was not used (a cache dir someone else could have written). */
  warn?: (message: string) => void;
  /** Read on threads however few lineages there are: the caller's event loop must not stall (the watcher). */
  alwaysInThreads?: boolean;
}

/** Refuses names that are neither a renewal conf nor a live/ directory (bad usage: exit 2). */
export function assertKnownNames(letsencryptDir: string, names: readonly string[], listing = listLetsencryptDir(letsencryptDir)): void {
  const known = new Set([...listing.confs, ...listing.liveCandidates]);
  const unknown = names.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new NgcertError("NOT_FOUND", `no certificate named ${unknown.map(showInput).join(", ")} in ${escapeControl(letsencryptDir)}; \`ngcert status\` lists them all`);
  }
}

export async function collectFacts(options: Omit<CollectOptions, "now" | "warnDays">): Promise<LineageFacts[]> {
  const { letsencryptDir } = options;
  const listing = listLetsencryptDir(letsencryptDir);
  let confs = listing.confs;
  let candidates = listing.liveCandidates;
  if (options.names.length > 0) {
    assertKnownNames(letsencryptDir, options.names, listing);
    const wanted = new Set(options.names);
    candidates = candidates.filter((name) => wanted.has(name));
    // Whether a live/ directory is an orphan depends on every conf: read them all when one is asked for.
    if (candidates.length === 0) confs = confs.filter((name) => wanted.has(name));
  }
  const opened = options.cacheDir === undefined ? undefined : FactsCache.open(options.cacheDir, letsencryptDir);
  if (opened !== undefined && "refused" in opened) options.warn?.(`${opened.refused}: not using the status cache (fix its ownership and mode: root, 0700)`);
  const cache = opened instanceof FactsCache ? opened : undefined;
  const confFacts = await readEntries(options, cache, confs.map((name) => ({ name, hasConf: true })));
  // A live/ directory some conf points into belongs to that lineage (a lineage certbot renamed keeps its old live/).
  const orphans = findOrphanLiveDirs(letsencryptDir, candidates, confFacts.map((facts) => facts.paths));
  if (options.names.length > 0) {
    const owned = candidates.filter((name) => !orphans.includes(name));
    if (owned.length > 0) {
      const owners = owned.map((name) => `live/${name}/ is the live directory of ${confFacts.find((facts) => path.dirname(facts.paths.cert) === path.resolve(letsencryptDir, "live", name))?.name ?? "another lineage"}`);
      throw new NgcertError("NOT_FOUND", `no certificate named ${owned.map(showInput).join(", ")} in ${escapeControl(letsencryptDir)}: ${showInput(owners.join("; "))}`);
    }
  }
  const orphanFacts = await readEntries(options, cache, orphans.map((name) => ({ name, hasConf: false })));
  if (cache) {
    if (options.names.length === 0) cache.retain(new Set([...confs, ...orphans]));
    cache.save();
  }
  const wanted = options.names.length > 0 ? new Set(options.names) : undefined;
  return [...confFacts.filter((facts) => !wanted || wanted.has(facts.name)), ...orphanFacts].sort((a, b) => compareCodePoints(a.name, b.name));
}

/** Facts for the entries, from the cache where the files are unchanged, read (on every core) where not. */
async function readEntries(options: Omit<CollectOptions, "now" | "warnDays">, cache: FactsCache | undefined, entries: LineageEntry[]): Promise<LineageFacts[]> {
  const facts: (LineageFacts | undefined)[] = entries.map((entry) => cache?.lookup(entry.name, confStampOf(options.letsencryptDir, entry)));
  const missing = entries.filter((_, index) => facts[index] === undefined);
  const read = await readAllStamped(options.letsencryptDir, missing, options.workerScript, options.alwaysInThreads === true);
  let next = 0;
  for (let index = 0; index < facts.length; index++) {
    if (facts[index] !== undefined) continue;
    const { facts: fresh, stamp } = read[next++]!;
    // Wall-clock time on purpose: it is compared with file timestamps, not with the (injectable) expiry clock.
    cache?.store(fresh.name, stamp, fresh, options.readAtMs ?? Date.now());
    facts[index] = fresh;
  }
  return facts as LineageFacts[];
}

export function toStatus(facts: LineageFacts, now: Date, warnDays: number | undefined, timing?: LineageTiming): CertificateStatus {
  const renewal = judgeRenewalTiming(facts, timing, now);
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
    renewAfter: renewal.renewAfter?.toISOString() ?? null,
    renewReason: renewal.renewReason ?? null,
    explanationURL: renewal.explanationURL ?? null,
    nextAttempt: renewal.nextAttempt?.toISOString() ?? null,
    lastError: renewal.lastError ?? null,
    problems: [...checkLineage(facts, { now, warnDays }), ...renewal.problems],
  };
}

export async function collectStatus(options: CollectOptions): Promise<CertificateStatus[]> {
  const facts = await collectFacts(options);
  const timing = readTimingState(options.letsencryptDir);
  return facts.map((lineage) => toStatus(lineage, options.now, options.warnDays, timing.lineages[lineage.name]));
}
