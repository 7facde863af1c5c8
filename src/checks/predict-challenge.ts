// Will the CA fetch a challenge token for a domain through this nginx configuration? The request the CA sends
// (http on the HTTP port, the Host header it sends), each redirect followed as Let's Encrypt follows them (http or
// https, only to the HTTP and HTTPS ports, at most 10), each hop traced through the configuration; the token exists
// only where certbot will write it, under the expected webroot.
import path from "node:path";
import type { Trace, TraceConfig } from "../nginx/trace-request.js";
import { traceRequest } from "../nginx/trace-request.js";
import { challengeUrl, MAX_REDIRECTS, portOf, refusedRedirect } from "../served/ca-rules.js";

export interface ChallengeTarget {
  domain: string;
  /** The directory certbot writes `.well-known/acme-challenge/<token>` into. */
  webroot: string;
  token: string;
  /** The ports the CA uses: 80 and 443 in production, the configured ones elsewhere. */
  httpPort: number;
  httpsPort: number;
  /** The local address a connection for this host name arrives at. */
  addressFor(host: string): string;
}

export interface Hop {
  url: string;
  address: string;
  trace: Trace;
}

export interface ChallengePrediction {
  domain: string;
  /** undefined: the configuration depends on something the analysis cannot know. */
  ok: boolean | undefined;
  hops: Hop[];
  /** Why it fails or cannot be told, in words, when it does not pass. */
  verdict: string;
  /** Set when the CA stops following redirects: the last hop's answer itself is not the problem. */
  redirectStopped?: boolean;
}

export function tokenPath(webroot: string, token: string): string {
  return path.join(webroot, ".well-known", "acme-challenge", token);
}

export function predictChallenge(config: Omit<TraceConfig, "files">, target: ChallengeTarget): ChallengePrediction {
  const expected = tokenPath(target.webroot, target.token);
  const parents = new Set<string>();
  for (let dir = path.dirname(expected); dir !== path.dirname(dir); dir = path.dirname(dir)) parents.add(dir);
  const files = { fileExists: (file: string) => path.resolve(file) === expected, directoryExists: (dir: string) => parents.has(path.resolve(dir)) };
  const hops: Hop[] = [];
  let url = challengeUrl(target.domain, target.token, target.httpPort);
  for (;;) {
    const address = target.addressFor(url.hostname);
    const port = portOf(url);
    const trace = traceRequest(
      { ...config, files },
      { scheme: url.protocol === "https:" ? "https" : "http", address, port, host: url.host, path: decodeURIComponent(url.pathname), query: url.search.slice(1) },
    );
    hops.push({ url: url.href, address, trace });
    const outcome = trace.outcome;
    const at = `${url.href} (${address}:${port})`;
    switch (outcome.kind) {
      case "file":
        return { domain: target.domain, ok: true, hops, verdict: `served from ${outcome.root}` };
      case "refused":
        return { domain: target.domain, ok: false, hops, verdict: `nothing listens on ${address}:${port} for ${at}` };
      case "unknown":
        return { domain: target.domain, ok: undefined, hops, verdict: `${at}: ${outcome.why}` };
      case "proxy":
        return { domain: target.domain, ok: false, hops, verdict: `${at} is proxied to ${outcome.target}, which does not have the token` };
      case "status":
        return { domain: target.domain, ok: false, hops, verdict: `${at} answers HTTP ${outcome.status}` };
      case "redirect": {
        let next: URL;
        try {
          next = new URL(outcome.location, url);
        } catch {
          return { domain: target.domain, ok: false, hops, verdict: `${at} redirects to ${JSON.stringify(outcome.location)}, which is not a URL` };
        }
        const refused = refusedRedirect(next, target);
        if (refused) return { domain: target.domain, ok: false, hops, redirectStopped: true, verdict: `${at} redirects to ${next.href}: ${refused}` };
        if (hops.length >= MAX_REDIRECTS) return { domain: target.domain, ok: false, hops, redirectStopped: true, verdict: `${MAX_REDIRECTS} requests and still redirected (the last to ${next.href})` };
        url = next;
      }
    }
  }
}
