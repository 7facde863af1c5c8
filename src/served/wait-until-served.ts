// After a reload nginx's old workers can still answer for a moment, so "is the new certificate served?" is polled
// with a bound instead of asked once.
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

export async function checkServed(target: ServedTarget, domains: readonly string[], fingerprint: string, timeoutMs = 5_000): Promise<ServedCheck[]> {
  return Promise.all(
    domains.map(async (domain) => {
      const result = await fetchServedCertificate({ ...target, servername: domain, timeoutMs });
      return { domain, result, matches: result.ok && result.fingerprint === fingerprint };
    }),
  );
}

// nginx lets its old workers accept for 100 ms after the new ones start (ngx_master_process_cycle), so a matching
// handshake may have reached a new worker while an old one still answers with the old configuration.
const HANDOVER_MS = 300;

export async function waitUntilServed(
  target: ServedTarget,
  domains: readonly string[],
  fingerprint: string,
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<ServedCheck[]> {
  const deadline = Date.now() + options.timeoutMs;
  let pending = [...domains];
  let confirming = false;
  const settled = new Map<string, ServedCheck>();
  for (;;) {
    const round = await checkServed(target, pending, fingerprint, Math.max(500, Math.min(5_000, deadline - Date.now())));
    for (const check of round) settled.set(check.domain, check);
    const wrong = round.filter((check) => !check.matches).map((check) => check.domain);
    if ((wrong.length === 0 && confirming) || Date.now() >= deadline) break;
    // Every name matched once: ask every name again after the hand-over, when only new workers can answer.
    confirming = wrong.length === 0;
    pending = confirming ? [...domains] : wrong;
    await sleep(confirming ? (options.settleMs ?? HANDOVER_MS) : (options.intervalMs ?? 100));
  }
  return domains.map((domain) => settled.get(domain)!);
}
