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

/** One question to nginx: which certificate for this name, at this address and port? */
export interface ServedProbe {
  name: string;
  host: string;
  port: number;
}

export function probeKey(probe: ServedProbe): string {
  return `${probe.name}|${probe.host}|${probe.port}`;
}

/** Every probe's answer, keyed by probeKey. */
export async function fetchServedProbes(probes: readonly ServedProbe[], timeoutMs = 5_000): Promise<Map<string, ServedResult>> {
  const results = new Map<string, ServedResult>();
  const unique = [...new Map(probes.map((probe) => [probeKey(probe), probe])).values()];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < unique.length) {
      const probe = unique[next++]!;
      const ask = (): Promise<ServedResult> => fetchServedCertificate({ host: probe.host, port: probe.port, servername: probe.name, timeoutMs });
      let result = await ask();
      for (let attempt = 0; attempt < RETRIES && !result.ok; attempt++) {
        await sleep(RETRY_DELAY_MS * (attempt + 1));
        result = await ask();
      }
      results.set(probeKey(probe), result);
    }
  };
  await Promise.all(Array.from({ length: Math.min(HANDSHAKE_CONCURRENCY, unique.length) }, worker));
  return results;
}

/** Every name asked at one address and port; keyed by name. */
export async function fetchServed(target: ServedTarget, domains: readonly string[], timeoutMs = 5_000): Promise<Map<string, ServedResult>> {
  const probes = domains.map((name) => ({ name, host: target.host, port: target.port }));
  const byKey = await fetchServedProbes(probes, timeoutMs);
  return new Map(probes.map((probe) => [probe.name, byKey.get(probeKey(probe))!]));
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

/** Polls until every probe sees its expected fingerprint (then asks once more after the hand-over), or time runs out. */
export async function waitUntilServedProbes(
  expected: readonly { probe: ServedProbe; fingerprint: string }[],
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<(ServedCheck & { probe: ServedProbe })[]> {
  const deadline = Date.now() + options.timeoutMs;
  const all = [...new Map(expected.map((entry) => [probeKey(entry.probe), entry])).values()];
  let pending = all;
  let confirming = false;
  const settled = new Map<string, ServedCheck & { probe: ServedProbe }>();
  for (;;) {
    const results = await fetchServedProbes(pending.map((entry) => entry.probe), Math.max(500, Math.min(5_000, deadline - Date.now())));
    const wrong: typeof all = [];
    for (const entry of pending) {
      const result = results.get(probeKey(entry.probe))!;
      const matches = result.ok && result.fingerprint === entry.fingerprint;
      settled.set(probeKey(entry.probe), { domain: entry.probe.name, probe: entry.probe, result, matches });
      if (!matches) wrong.push(entry);
    }
    if ((wrong.length === 0 && confirming) || Date.now() >= deadline) break;
    // Every probe matched once: ask every one again after the hand-over, when only new workers can answer.
    confirming = wrong.length === 0;
    pending = confirming ? all : wrong;
    await sleep(confirming ? (options.settleMs ?? HANDOVER_MS) : (options.intervalMs ?? 100));
  }
  return all.map((entry) => settled.get(probeKey(entry.probe))!);
}

/** Polls until every name serves its expected fingerprint at one address and port. */
export async function waitUntilServedMany(
  target: ServedTarget,
  expected: ReadonlyMap<string, string>,
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<ServedCheck[]> {
  const checks = await waitUntilServedProbes(
    [...expected].map(([name, fingerprint]) => ({ probe: { name, host: target.host, port: target.port }, fingerprint })),
    options,
  );
  return checks.map(({ probe: _probe, ...check }) => check);
}

export async function waitUntilServed(
  target: ServedTarget,
  domains: readonly string[],
  fingerprint: string,
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number },
): Promise<ServedCheck[]> {
  return waitUntilServedMany(target, new Map(domains.map((domain) => [domain, fingerprint])), options);
}
