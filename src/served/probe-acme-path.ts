// The challenge path judged as the CA judges it, for real: a random token file in a webroot, fetched through nginx
// for each domain with the CA's request, following redirects as Let's Encrypt does (http or https, only to the HTTP
// and HTTPS ports, no certificate check, at most 10 requests). Each hop connects to the address the host name
// reaches on this machine.
import { randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { challengeUrl, MAX_REDIRECTS, portOf, refusedRedirect } from "./ca-rules.js";
import { placeChallengeToken } from "./challenge-token.js";
import { runRetryPool } from "./retry-pool.js";

export interface ProbeHop {
  url: string;
  address: string;
  /** 0 when no HTTP answer came. */
  status: number;
  location?: string;
  error?: string;
}

export interface AcmeProbe {
  domain: string;
  ok: boolean;
  hops: ProbeHop[];
  /** What the CA would have seen, in words. */
  seen: string;
}

export interface AcmeProbeOptions {
  webroot: string;
  domains: readonly string[];
  httpPort: number;
  httpsPort: number;
  /** The local address a connection for this host name arrives at. */
  addressFor(host: string): string;
  timeoutMs?: number;
  /** The token's file name; default a random one shaped like the CA's (43 base64url characters). */
  token?: string;
  /** Waits before asking again a domain whose request got no HTTP answer (default 0.25 s, then 1 s). */
  retryDelaysMs?: readonly number[];
}

/** Requests at once, and the waits before asking again a domain whose request failed to connect or got no answer. */
const PARALLEL = 32;
const RETRY_DELAYS_MS: readonly number[] = [250, 1_000];
/** Hop errors that may be gone a moment later (a TLS error, a refused redirect, an HTTP status are not). */
const TRANSIENT = /^(connection refused|connection closed without an answer|no answer within)/;

export function randomToken(): string {
  return randomBytes(32).toString("base64url").slice(0, 43);
}

interface Answer {
  status: number;
  body: string;
  location?: string;
  error?: string;
}

function fetchHop(url: URL, address: string, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve) => {
    const https = url.protocol === "https:";
    const send = https ? httpsRequest : httpRequest;
    const req = send(
      {
        host: address,
        port: portOf(url),
        path: `${url.pathname}${url.search}`,
        method: "GET",
        headers: { Host: url.host, Accept: "*/*", "User-Agent": "ngcert (probing like an ACME validation server)" },
        agent: false,
        timeout: timeoutMs,
        // The CA does not check certificates when a redirect takes it to HTTPS.
        ...(https ? { servername: url.hostname, rejectUnauthorized: false } : {}),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (body.length < 8192) body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
        res.on("error", (error) => resolve({ status: 0, body: "", error: error.message }));
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ status: 0, body: "", error: describeConnectionError(error) }));
    req.end();
  });
}

function describeConnectionError(error: NodeJS.ErrnoException): string {
  if (error.code === "ECONNREFUSED") return "connection refused";
  if (error.code === "ECONNRESET") return "connection closed without an answer";
  // OpenSSL's reason without its file and line: "wrong version number" is plain HTTP where TLS was expected.
  const reason = /:(?:SSL routines|ssl routines):[^:]*:([^:]+):/.exec(error.message)?.[1];
  if (error.code === "EPROTO" || reason) return `no TLS handshake (${reason ?? error.message.split("\n")[0]})${reason === "wrong version number" ? ": plain HTTP on that port?" : ""}`;
  return error.message;
}

async function probeOne(domain: string, token: string, options: AcmeProbeOptions): Promise<AcmeProbe> {
  const hops: ProbeHop[] = [];
  let url = challengeUrl(domain, token, options.httpPort);
  for (;;) {
    const address = options.addressFor(url.hostname);
    const answer = await fetchHop(url, address, options.timeoutMs ?? 5_000);
    hops.push({ url: url.href, address, status: answer.status, ...(answer.location ? { location: answer.location } : {}), ...(answer.error ? { error: answer.error } : {}) });
    // Where the CA got to: the first request, and the redirects that led to this one.
    const first = hops[0]!;
    const where = hops.length === 1 ? `${url.href} (${address})` : `${first.url} (${first.address}): HTTP ${first.status}${hops.length > 2 ? `, ${hops.length - 1} redirects,` : ""} to ${url.href} (${address})`;
    if (answer.error) return { domain, ok: false, hops, seen: `${where}: ${answer.error}` };
    // The CA ignores whitespace at the end of the body.
    if (answer.status === 200) {
      const ok = answer.body.replace(/\s+$/, "") === token;
      return { domain, ok, hops, seen: ok ? `${where}: HTTP 200 with the token` : `${where}: HTTP 200 with other content` };
    }
    if (![301, 302, 303, 307, 308].includes(answer.status) || answer.location === undefined) return { domain, ok: false, hops, seen: `${where}: HTTP ${answer.status}` };
    let next: URL;
    try {
      next = new URL(answer.location, url);
    } catch {
      return { domain, ok: false, hops, seen: `${where}: HTTP ${answer.status} to ${JSON.stringify(answer.location)}, not a URL` };
    }
    const refused = refusedRedirect(next, options);
    if (refused) return { domain, ok: false, hops, seen: `${where}: HTTP ${answer.status} to ${next.href}, ${refused}` };
    if (hops.length >= MAX_REDIRECTS) return { domain, ok: false, hops, seen: `${MAX_REDIRECTS} requests and still redirected, last to ${next.href}` };
    url = next;
  }
}

/** Probes every domain with one token file in `webroot`, removed again afterwards with any directory it created. */
export async function probeAcmePath(options: AcmeProbeOptions): Promise<AcmeProbe[]> {
  const token = options.token ?? randomToken();
  const remove = placeChallengeToken(options.webroot, token);
  try {
    // A bounded number at a time: a server with thousands of names must not open thousands of sockets at once. A
    // request that got no HTTP answer at all (refused, reset, timed out) is asked again before it counts: the CA
    // retries from several places too, and a busy nginx must not read as a broken challenge path.
    const answers = await runRetryPool(options.domains, {
      concurrency: PARALLEL,
      retryDelaysMs: options.retryDelaysMs ?? RETRY_DELAYS_MS,
      ask: (domain) => probeOne(domain, token, options),
      retry: (probe) => !probe.ok && probe.hops.some((hop) => hop.error !== undefined && TRANSIENT.test(hop.error)),
    });
    return answers.map(({ answer }) => answer);
  } finally {
    remove();
  }
}
