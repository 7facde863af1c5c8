// The one way ngcert asks nginx which certificate it serves (verify, the watcher's full check, the post hook and every
// other path through the door). At hosting scale the question is asked thousands of times, so:
// - a bounded number of connections at once (PROBE_CONCURRENCY, lowered for an nginx with few worker_connections):
//   thousands at once exhaust nginx's worker_connections and this process's sockets, and read as false NOT_SERVED;
// - each name first gets the quick look (peek-served-certificate.ts); only what that does not answer with a
//   certificate gets a full handshake;
// - a failure is asked again, with a full handshake, after a short backoff (RETRY_DELAYS_MS) before it counts; a
//   probe waiting for its retry does not hold a connection slot, so nginx being down costs seconds, not minutes;
// - what was seen is kept in words (describe-handshake-error.ts): refused, timed out, reset, a TLS alert by name.
import type { Directive } from "../nginx/parse-config.js";
import { fetchServedCertificate, type ServedResult } from "./fetch-served-certificate.js";
import { peekServedCertificate } from "./peek-served-certificate.js";
import { runRetryPool } from "./retry-pool.js";

/** One question to nginx: which certificate for this name, at this address and port? */
export interface ServedProbe {
  name: string;
  host: string;
  port: number;
}

export interface ServedTarget {
  host: string;
  port: number;
}

export interface ProbeOptions {
  /** Connections open at once (default PROBE_CONCURRENCY). */
  concurrency?: number;
  /** Per attempt (default 5 s). */
  timeoutMs?: number;
  /** Waits before each retry of a failed probe; its length is the number of retries (default RETRY_DELAYS_MS). */
  retryDelaysMs?: readonly number[];
}

/** Connections at once: well under nginx's default worker_connections (512, 768 on Debian) and any real host's. */
export const PROBE_CONCURRENCY = 32;
/** A failed probe is asked twice more, 0.25 s and then 1 s later, before it counts. */
export const RETRY_DELAYS_MS: readonly number[] = [250, 1_000];
const DEFAULT_TIMEOUT_MS = 5_000;

export function probeKey(probe: ServedProbe): string {
  return `${probe.name}|${probe.host}|${probe.port}`;
}

/**
 * Connections at once for an nginx whose workers take `workerConnections` each: at most an eighth of one worker's
 * (a worker may accept them all, and it serves real clients and upstreams too), at most PROBE_CONCURRENCY, at least 1.
 */
export function probeConcurrency(workerConnections: number | undefined): number {
  if (workerConnections === undefined || !(workerConnections > 0)) return PROBE_CONCURRENCY;
  return Math.max(1, Math.min(PROBE_CONCURRENCY, Math.floor(workerConnections / 8)));
}

/** nginx's `worker_connections` from its configuration (nginx -T), or undefined when it does not say (nginx's 512). */
export function workerConnectionsOf(files: readonly { directives: Directive[] }[]): number | undefined {
  for (const { directives } of files) {
    for (const directive of directives) {
      if (directive.name !== "events" || !directive.block) continue;
      const value = directive.block.find((inner) => inner.name === "worker_connections")?.args[0];
      if (value !== undefined && /^\d+$/.test(value)) return Number(value);
    }
  }
  return undefined;
}

/** Every probe's answer, keyed by probeKey. Failures carry `attempts`. */
export async function probeServed(probes: readonly ServedProbe[], options: ProbeOptions = {}): Promise<Map<string, ServedResult>> {
  const unique = [...new Map(probes.map((probe) => [probeKey(probe), probe])).values()];
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Places where the quick look cannot work (a TLS 1.3-only server): straight to full handshakes there.
  const fullOnly = new Set<string>();
  const ask = async (probe: ServedProbe, attempt: number): Promise<ServedResult> => {
    const place = `${probe.host}|${probe.port}`;
    const question = { host: probe.host, port: probe.port, servername: probe.name, timeoutMs };
    if (attempt === 0 && !fullOnly.has(place)) {
      const quick = await peekServedCertificate(question);
      if (quick.ok) return quick;
      // Nothing listening, no answer in time, no socket left: a full handshake now would see the same; retry later.
      if (quick.kind === "refused" || quick.kind === "timeout" || quick.kind === "local") return quick;
      if ((quick.kind === "alert" && quick.alert === 70) || quick.kind === "tls") fullOnly.add(place);
    }
    return fetchServedCertificate(question);
  };
  const answers = await runRetryPool(unique, {
    concurrency: options.concurrency ?? PROBE_CONCURRENCY,
    retryDelaysMs: options.retryDelaysMs ?? RETRY_DELAYS_MS,
    ask,
    retry: (answer) => !answer.ok,
  });
  return new Map(unique.map((probe, index) => {
    const { answer, attempts } = answers[index]!;
    return [probeKey(probe), answer.ok ? answer : { ...answer, attempts }];
  }));
}

/** Every name asked at one address and port, through the shared probing; keyed by name. */
export async function fetchServed(target: ServedTarget, domains: readonly string[], options: ProbeOptions = {}): Promise<Map<string, ServedResult>> {
  const probes = domains.map((name) => ({ name, host: target.host, port: target.port }));
  const byKey = await probeServed(probes, options);
  return new Map(probes.map((probe) => [probe.name, byKey.get(probeKey(probe))!]));
}
