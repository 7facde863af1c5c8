// HTTPS load on loopback, how a site's clients fare while its certificate is renewed: N clients, a new TLS connection
// per request (so every request sees the certificate nginx serves at that moment), bounded in time. Records every
// failure and which certificate serial each response came with. Many sites of one nginx take turns, one name a request.
import { request } from "node:https";
import type { TLSSocket } from "node:tls";

export interface LoadOptions {
  port: number;
  servername: string;
  /** Several sites at once: each request goes to the next of these names in turn (servername is then unused). */
  servernames?: readonly string[];
  path?: string;
  concurrency: number;
  durationMs: number;
  requestTimeoutMs?: number;
  /** Stop early once this settles (the load still never runs longer than durationMs). */
  stopWhen?: Promise<unknown>;
  /** A response only counts as served when this header is present (the upstream's mark, not an nginx error page). */
  requireHeader?: string;
  /** Each client waits this long after each request (default 0): a steady load that leaves the CPU to the renewal. */
  pauseMs?: number;
  /** Called with each sample as it is taken (the result has them all, sorted, at the end). */
  onSample?: (sample: LoadSample) => void;
}

export interface LoadSample {
  /** ms since the load started, when the request finished. */
  at: number;
  ok: boolean;
  /** The SNI name and Host header of the request. */
  servername: string;
  serial?: string;
  error?: string;
}

export interface LoadResult {
  ok: number;
  failed: number;
  samples: LoadSample[];
  /** Serials in the order first seen, with when. */
  serials: { serial: string; firstAt: number }[];
  /** Date.now() when the load began: `at` and `firstAt` count from here. */
  startedAt: number;
  /** Sum of the windows in which every request failed (from the last success before to the first success after). */
  outageMs: number;
  durationMs: number;
}

function once(options: LoadOptions, servername: string, started: number): Promise<LoadSample> {
  return new Promise((resolve) => {
    let serial: string | undefined;
    const req = request(
      {
        host: "127.0.0.1",
        port: options.port,
        servername,
        path: options.path ?? "/",
        headers: { Host: servername },
        agent: false,
        rejectUnauthorized: false,
        timeout: options.requestTimeoutMs ?? 5_000,
      },
      (res) => {
        serial = (res.socket as TLSSocket).getPeerCertificate?.()?.serialNumber?.toLowerCase();
        res.resume();
        res.on("end", () => {
          const marked = options.requireHeader === undefined || res.headers[options.requireHeader] !== undefined;
          const ok = res.statusCode === 200 && marked;
          resolve({ at: Date.now() - started, ok, servername, serial, ...(ok ? {} : { error: `HTTP ${res.statusCode}${marked ? "" : " without the upstream's header"}` }) });
        });
        res.on("error", (error) => resolve({ at: Date.now() - started, ok: false, servername, error: error.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", (error) => resolve({ at: Date.now() - started, ok: false, servername, error: (error as NodeJS.ErrnoException).code ?? error.message }));
    req.end();
  });
}

export async function runHttpsLoad(options: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const deadline = started + options.durationMs;
  let stopped = false;
  void options.stopWhen?.finally(() => (stopped = true));
  const samples: LoadSample[] = [];
  const names = options.servernames !== undefined && options.servernames.length > 0 ? options.servernames : [options.servername];
  let turn = 0;
  const worker = async (): Promise<void> => {
    while (!stopped && Date.now() < deadline) {
      const sample = await once(options, names[turn++ % names.length]!, started);
      samples.push(sample);
      options.onSample?.(sample);
      if (options.pauseMs) await new Promise((resolve) => setTimeout(resolve, options.pauseMs));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  samples.sort((a, b) => a.at - b.at);
  const serials: LoadResult["serials"] = [];
  for (const sample of samples) {
    if (sample.ok && sample.serial && !serials.some((entry) => entry.serial === sample.serial)) serials.push({ serial: sample.serial, firstAt: sample.at });
  }
  return {
    startedAt: started,
    ok: samples.filter((sample) => sample.ok).length,
    failed: samples.filter((sample) => !sample.ok).length,
    samples,
    serials,
    outageMs: measureOutage(samples, Date.now() - started),
    durationMs: Date.now() - started,
  };
}

export function measureOutage(samples: readonly LoadSample[], endAt: number): number {
  let outage = 0;
  let lastSuccess = 0;
  let failing = false;
  for (const sample of samples) {
    if (!sample.ok) failing = true;
    else {
      if (failing) outage += sample.at - lastSuccess;
      failing = false;
      lastSuccess = sample.at;
    }
  }
  if (failing) outage += endAt - lastSuccess;
  return outage;
}
