// Asks each lineage's CA for its renewal information (RFC 9773) when ngcert's record is missing, is about another
// certificate, or its Retry-After has passed; records the window and the instant chosen inside it. The CA is the
// `server` of the lineage's renewal conf (certbot's default, Let's Encrypt, when it names none). A CA without ARI, a
// 404, a 500, a hang: the lineage keeps the CA's last window for this certificate, or none, and renews on its
// lifetime window; after two unanswered questions a CA is not asked again in this run.
import { readFileSync } from "node:fs";
import { readRegularFile } from "../fs/read-regular-file.js";
import { caBundleFrom } from "../acme/get-json.js";
import { ARI_ERROR_RECHECK_MS, DIRECTORY_RECHECK_MS, fetchRenewalInfo, fetchRenewalInfoUrl } from "../acme/renewal-info.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { parseRenewalConf } from "../certbot/renewal-conf.js";
import { readAriCertId } from "../certs/ari-cert-id.js";
import { parseCertificatePems } from "../certs/pem.js";
import { LETS_ENCRYPT_PRODUCTION } from "../settings/definitions.js";
import { chooseInstant } from "../timing/choose-instant.js";
import type { AriRecord, TimingState } from "../timing/timing-state.js";

export interface AriInput {
  now: () => Date;
  random: () => number;
  env: Record<string, string | undefined>;
  /** Per question to the CA (default 10 s). */
  timeoutMs?: number;
  /** Questions in flight at once (default 4). */
  concurrency?: number;
}

export interface AriNote {
  name: string;
  message: string;
  explanationURL?: string | undefined;
}

export interface AriRefresh {
  /** Lineages whose CA was asked in this run. */
  asked: string[];
  /** What a person should hear: a window the CA moved earlier, an explanation URL, a CA that did not answer. */
  notes: AriNote[];
}

const UNANSWERED_LIMIT = 2;

function serverOf(facts: LineageFacts): string | undefined {
  try {
    return parseRenewalConf(readRegularFile(facts.confPath!)).server ?? LETS_ENCRYPT_PRODUCTION;
  } catch {
    return undefined;
  }
}

function certIdOf(facts: LineageFacts): string | undefined {
  try {
    const [der] = parseCertificatePems(readFileSync(facts.paths.cert, "utf8"));
    return der ? readAriCertId(der) : undefined;
  } catch {
    return undefined;
  }
}

/** Lineages whose renewal information is to be asked for now. */
export function needsAri(facts: LineageFacts, record: AriRecord | undefined, now: Date): boolean {
  if (facts.fingerprint === undefined || facts.confPath === undefined) return false;
  if (record === undefined || record.fingerprint !== facts.fingerprint) return true;
  const next = Date.parse(record.nextCheck);
  return Number.isNaN(next) || now.getTime() >= next;
}

export async function refreshAri(all: readonly LineageFacts[], state: TimingState, input: AriInput): Promise<AriRefresh> {
  const result: AriRefresh = { asked: [], notes: [] };
  const options = { timeoutMs: input.timeoutMs ?? 10_000, ca: caBundleFrom(input.env), now: input.now };
  const due = all.filter((facts) => needsAri(facts, state.lineages[facts.name]?.ari, input.now()));
  const byServer = new Map<string, LineageFacts[]>();
  for (const facts of due) {
    const server = serverOf(facts);
    if (server !== undefined) byServer.set(server, [...(byServer.get(server) ?? []), facts]);
  }
  for (const [server, lineages] of byServer) {
    const base = await renewalInfoBase(server, state, input.now(), options);
    if (base === undefined) continue;
    let unanswered = 0;
    const queue = [...lineages];
    const worker = async (): Promise<void> => {
      for (let facts = queue.shift(); facts !== undefined; facts = queue.shift()) {
        if (unanswered >= UNANSWERED_LIMIT) return;
        const answer = await askOne(facts, base, state, input, options);
        result.asked.push(facts.name);
        if (answer.note) result.notes.push(answer.note);
        if (answer.unanswered) unanswered++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.concurrency ?? 4, lineages.length) }, worker));
    if (unanswered >= UNANSWERED_LIMIT) result.notes.push({ name: "", message: `${server} did not answer questions for renewal information; not asked again in this run (lifetime windows apply)` });
  }
  return result;
}

/** The directory's renewalInfo URL, from ngcert's record while it is fresh. */
async function renewalInfoBase(server: string, state: TimingState, now: Date, options: { timeoutMs: number; ca: string | undefined }): Promise<string | undefined> {
  const known = state.directories[server];
  if (known !== undefined && now.getTime() < Date.parse(known.nextCheck)) return known.renewalInfo ?? undefined;
  try {
    const url = await fetchRenewalInfoUrl(server, options);
    state.directories[server] = { renewalInfo: url ?? null, nextCheck: new Date(now.getTime() + DIRECTORY_RECHECK_MS).toISOString() };
    return url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    state.directories[server] = { renewalInfo: known?.renewalInfo ?? null, nextCheck: new Date(now.getTime() + ARI_ERROR_RECHECK_MS).toISOString(), error: reason };
    return known?.renewalInfo ?? undefined;
  }
}

async function askOne(
  facts: LineageFacts,
  base: string,
  state: TimingState,
  input: AriInput,
  options: { timeoutMs: number; ca: string | undefined; now: () => Date },
): Promise<{ note?: AriNote; unanswered: boolean }> {
  const timing = (state.lineages[facts.name] ??= {});
  const previous = timing.ari?.fingerprint === facts.fingerprint ? timing.ari : undefined;
  const certId = previous?.certId ?? certIdOf(facts);
  const now = input.now();
  if (certId === undefined) {
    timing.ari = { fingerprint: facts.fingerprint!, certId: "", nextCheck: new Date(now.getTime() + DIRECTORY_RECHECK_MS).toISOString(), error: "the certificate has no authority key identifier to ask about" };
    return { unanswered: false };
  }
  const answer = await fetchRenewalInfo(base, certId, options);
  const after = input.now();
  const nextCheck = new Date(after.getTime() + answer.recheckMs).toISOString();
  if (!answer.ok) {
    // The CA's last word on this certificate stands until it says something else.
    timing.ari = { ...(previous ?? { fingerprint: facts.fingerprint!, certId }), nextCheck, error: answer.error };
    return { unanswered: !answer.answered };
  }
  const window = { start: answer.start.toISOString(), end: answer.end.toISOString() };
  const kept = previous?.chosen === undefined ? undefined : new Date(previous.chosen);
  const { chosen, movedEarlier } = chooseInstant({ start: answer.start, end: answer.end }, kept, input.random);
  const changed = previous?.window?.start !== window.start || previous.window.end !== window.end;
  timing.ari = {
    fingerprint: facts.fingerprint!,
    certId,
    window,
    ...(answer.explanationURL ? { explanationURL: answer.explanationURL } : {}),
    chosen: chosen.toISOString(),
    movedEarlier: movedEarlier || (previous?.movedEarlier === true && !changed),
    fetchedAt: after.toISOString(),
    nextCheck,
  };
  if (!changed) return { unanswered: false };
  const message = movedEarlier
    ? `the CA moved its renewal window earlier, to ${window.start} .. ${window.end}`
    : `the CA suggests renewing between ${window.start} and ${window.end}`;
  return { note: { name: facts.name, message, explanationURL: answer.explanationURL }, unanswered: false };
}
