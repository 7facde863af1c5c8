// Which certificate does nginx serve for each name? Handshakes run with bounded concurrency (thousands of names at
// once would exhaust nginx's worker_connections and this process's sockets, and read as false NOT_SERVED), and a
// failed handshake is asked again before it counts. After a reload nginx's old workers can still answer for a
// moment, so "is the new certificate served?" is polled with a bound instead of asked once.
import { setTimeout as sleep } from "node:timers/promises";
import { fetchServedCertificate, type ServedResult } from "./fetch-served-certificate.js";

export interface ServedCheck {
  domain: string;
  /** The last answer seen for this domain. */
  result: ServedResult;
  matches: boolean;
}

export interface ServedTarget {
  host: string;
  port: number;
}

/** Handshakes in flight at once: well under nginx's default worker_connections (512, 768 on Debian). */
export const HANDSHAKE_CONCURRENCY = 32;
/** A failed handshake is tried this many times more, a little later, before it counts as failed. */
const RETRIES = 2;
const RETRY_DELAY_MS = 200;

export async function fetchServed(target: ServedTarget, domains: readonly string[], timeoutMs = 5_000): Promise<Map<string, ServedResult>> {
  const results = new Map<string, ServedResult>();
  const unique = [...new Set(domains)];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const domain = unique[next++]!;
      let result = await fetchServedCertificate({ ...target, servername: domain, timeoutMs });
      for (let attempt = 0; attempt < RETRIES && !result.ok; attempt++) {
        await sleep(RETRY_DELAY_MS * (attempt + 1));
        result = await fetchServedCertificate({ ...target, servername: domain, timeoutMs });
      }
      results.set(domain, result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HANDSHAKE_CONCURRENCY, unique.length) }, worker));
  return results;
}

export async function checkServed(target: ServedTarget, domains: readonly string[], fingerprint: string, timeoutMs = 5_000): Promise<ServedCheck[]> {
  const results = await fetchServed(target, domains, timeoutMs);
  return domains.map((domain) => {
    const result = results.get(domain)!;
    return { domain, result, matches: result.ok && result.fingerprint === fingerprint };
  });
}

// nginx lets its old workers accept for 100 ms after the new ones start (ngx_master_process_cycle), so a matching
// handshake may have reached a new worker while an old one still answers with the old configuration.
const HANDOVER_MS = 300;

/** Polls until every name serves its expected fingerprint (then asks once more after the hand-over), or time runs out. */
export async function waitUntilServedMany(
  target: ServedTarget,
  expected: ReadonlyMap<string, string>,
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<ServedCheck[]> {
  const deadline = Date.now() + options.timeoutMs;
  const domains = [...expected.keys()];
  let pending = [...domains];
  let confirming = false;
  const settled = new Map<string, ServedCheck>();
  for (;;) {
    const results = await fetchServed(target, pending, Math.max(500, Math.min(5_000, deadline - Date.now())));
    const wrong: string[] = [];
    for (const domain of pending) {
      const result = results.get(domain)!;
      const matches = result.ok && result.fingerprint === expected.get(domain);
      settled.set(domain, { domain, result, matches });
      if (!matches) wrong.push(domain);
    }
    if ((wrong.length === 0 && confirming) || Date.now() >= deadline) break;
    // Every name matched once: ask every name again after the hand-over, when only new workers can answer.
    confirming = wrong.length === 0;
    pending = confirming ? [...domains] : wrong;
    await sleep(confirming ? (options.settleMs ?? HANDOVER_MS) : (options.intervalMs ?? 100));
  }
  return domains.map((domain) => settled.get(domain)!);
}

export async function waitUntilServed(
  target: ServedTarget,
  domains: readonly string[],
  fingerprint: string,
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<ServedCheck[]> {
  return waitUntilServedMany(target, new Map(domains.map((domain) => [domain, fingerprint])), options);
}
