// How an ACME CA fetches an HTTP-01 token, shared by the prediction and the real probe: the URL, the redirects it
// follows (http or https, only to the HTTP and HTTPS ports), and how many requests it makes at most.

export const CHALLENGE_PREFIX = "/.well-known/acme-challenge/";

// Go's HTTP client, which Pebble and Boulder use, sends at most 10 requests: the tenth redirect is not followed.
export const MAX_REDIRECTS = 10;

export function challengeUrl(domain: string, token: string, httpPort: number): URL {
  return new URL(`http://${domain}${httpPort === 80 ? "" : `:${httpPort}`}${CHALLENGE_PREFIX}${token}`);
}

export function portOf(url: URL): number {
  return url.port === "" ? (url.protocol === "https:" ? 443 : 80) : Number(url.port);
}

/** Why the CA would not follow a redirect to this URL, or undefined when it would. */
export function refusedRedirect(url: URL, ports: { httpPort: number; httpsPort: number }): string | undefined {
  if (url.protocol !== "http:" && url.protocol !== "https:") return `the CA follows redirects only to http or https, not ${url.protocol}`;
  const port = portOf(url);
  if (port !== ports.httpPort && port !== ports.httpsPort) return `the CA follows redirects only to ports ${ports.httpPort} and ${ports.httpsPort}, not ${port}`;
  return undefined;
}
