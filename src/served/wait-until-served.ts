// Is the new certificate served? After a reload nginx's old workers can still answer for a moment, so the question is
// polled with a bound instead of asked once; every poll goes through the shared probing (probe-served.ts).
import { setTimeout as sleep } from "node:timers/promises";
import type { ServedResult } from "./fetch-served-certificate.js";
import { probeKey, probeServed, type ServedProbe } from "./probe-served.js";

export interface ServedCheck {
  domain: string;
  /** The last answer seen for this domain. */
  result: ServedResult;
  matches: boolean;
}

// nginx lets its old workers accept for 100 ms after the new ones start (ngx_master_process_cycle), so a matching
// handshake may have reached a new worker while an old one still answers with the old configuration.
const HANDOVER_MS = 300;

/** Polls until every probe sees its expected fingerprint (then asks once more after the hand-over), or time runs out. */
export async function waitUntilServedProbes(
  expected: readonly { probe: ServedProbe; fingerprint: string }[],
  options: { timeoutMs: number; intervalMs?: number; settleMs?: number; concurrency?: number },
): Promise<(ServedCheck & { probe: ServedProbe })[]> {
  const deadline = Date.now() + options.timeoutMs;
  const all = [...new Map(expected.map((entry) => [probeKey(entry.probe), entry])).values()];
  let pending = all;
  let confirming = false;
  const settled = new Map<string, ServedCheck & { probe: ServedProbe }>();
  for (;;) {
    // The polling is the retry: each round asks once.
    const results = await probeServed(
      pending.map((entry) => entry.probe),
      { timeoutMs: Math.max(500, Math.min(5_000, deadline - Date.now())), retryDelaysMs: [], concurrency: options.concurrency },
    );
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
