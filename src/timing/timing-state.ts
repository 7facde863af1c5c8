// What ngcert remembers about renewal timing between runs, in <letsencrypt-dir>/.ngcert/renewal-timing.json (root's,
// written atomically): per lineage the CA's renewal information (ARI) and the instant chosen inside its window, and the
// failure budget; per ACME directory whether it offers ARI. Anything unreadable is forgotten, never fatal: the cost
// is one more question to the CA, or a failure count that starts again.
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { ensureStateDir, stateDirPath } from "../fs/state-dir.js";

const FILE = "renewal-timing.json";
const FORMAT = 1;

export interface AriRecord {
  /** The certificate it is about (SHA-256 of cert.pem's DER): a renewed lineage asks again. */
  fingerprint: string;
  certId: string;
  /** ISO 8601; absent when the CA has no window for it (or did not answer). */
  window?: { start: string; end: string };
  explanationURL?: string;
  /** The instant chosen inside the window, kept while the window holds it (RFC 9773 §4.2). */
  chosen?: string;
  /** The last answer moved the window before the instant chosen earlier (an incident, a revocation). */
  movedEarlier?: boolean;
  fetchedAt?: string;
  /** Not asked again before this (Retry-After, clamped). */
  nextCheck: string;
  /** Why the last question got no window. */
  error?: string;
}

export interface FailureRecord {
  /** The certificate the failing renewals were to replace: once it changes, the record no longer applies. */
  fingerprint: string;
  count: number;
  first: string;
  last: string;
  lastError: string;
  nextAttempt: string;
  /** Prove the next attempt against the staging CA (a dry run) before asking production again. */
  dryRunFirst: boolean;
  domains: string[];
  /** Failed attempts of the last hour (ISO), for the CA's failed-validation limit per host name. */
  recent: string[];
}

export interface LineageTiming {
  ari?: AriRecord;
  failures?: FailureRecord;
}

export interface DirectoryRecord {
  /** The renewalInfo URL, or null when the directory offers none. */
  renewalInfo: string | null;
  nextCheck: string;
  error?: string;
}

export interface TimingState {
  lineages: Record<string, LineageTiming>;
  directories: Record<string, DirectoryRecord>;
  certbot?: { bin: string; version: string; checkedAt: string };
}

function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

export function emptyTimingState(): TimingState {
  return { lineages: emptyRecord(), directories: emptyRecord() };
}

export function timingStatePath(letsencryptDir: string): string {
  return path.join(stateDirPath(letsencryptDir), FILE);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The state, or an empty one when there is none, it cannot be read (not root) or it is not ngcert's format. */
export function readTimingState(letsencryptDir: string): TimingState {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(timingStatePath(letsencryptDir), "utf8"));
  } catch {
    return emptyTimingState();
  }
  if (!isObject(data) || data.format !== FORMAT || !isObject(data.lineages) || !isObject(data.directories)) return emptyTimingState();
  const state = emptyTimingState();
  // Null-prototype records: a lineage named "constructor" must not meet Object.prototype.
  for (const [name, value] of Object.entries(data.lineages)) if (isObject(value)) state.lineages[name] = value as LineageTiming;
  for (const [url, value] of Object.entries(data.directories)) if (isObject(value) && typeof value.nextCheck === "string") state.directories[url] = value as unknown as DirectoryRecord;
  const certbot = data.certbot;
  if (isObject(certbot) && typeof certbot.bin === "string" && typeof certbot.version === "string" && typeof certbot.checkedAt === "string") state.certbot = certbot as TimingState["certbot"];
  return state;
}

export function writeTimingState(letsencryptDir: string, state: TimingState): void {
  const file = path.join(ensureStateDir(letsencryptDir), FILE);
  writeFileAtomic(file, `${JSON.stringify({ format: FORMAT, ...state })}\n`, 0o600);
  faultStep("renewal timing written");
}

/** Forgets lineages that no longer exist. */
export function retainLineages(state: TimingState, names: ReadonlySet<string>): void {
  for (const name of Object.keys(state.lineages)) if (!names.has(name)) delete state.lineages[name];
}
