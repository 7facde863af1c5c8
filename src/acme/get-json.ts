// One GET to an ACME server for a small JSON document (the directory, a RenewalInfo object), with a deadline on the
// whole exchange: a CA that accepts the connection and never answers costs at most timeoutMs, never a hung run.
// Trusts REQUESTS_CA_BUNDLE when it is set, as certbot does (for a private CA or the test world's Pebble).
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface JsonResponse {
  status: number;
  /** The Retry-After header as sent. */
  retryAfter: string | undefined;
  /** The parsed body; undefined when it is not JSON. */
  body: unknown;
}

export interface GetOptions {
  timeoutMs: number;
  /** PEM certificates to trust instead of Node's bundle. */
  ca?: string | undefined;
}

const MAX_BODY = 1 << 20;

/** The CA bundle certbot would use (REQUESTS_CA_BUNDLE), or undefined for Node's own. */
export function caBundleFrom(env: Record<string, string | undefined>): string | undefined {
  const file = env.REQUESTS_CA_BUNDLE;
  if (file === undefined || file === "") return undefined;
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

export class FetchError extends Error {}

export function getJson(url: string, options: GetOptions): Promise<JsonResponse> {
  return new Promise((resolve, reject) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      reject(new FetchError(`${url} is not a URL`));
      return;
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
      reject(new FetchError(`${url}: only https (and http) URLs are fetched`));
      return;
    }
    const request = parsed.protocol === "https:" ? httpsRequest : httpRequest;
    const req = request(parsed, { method: "GET", headers: { accept: "application/json", "user-agent": "ngcert" }, ...(options.ca ? { ca: options.ca } : {}) }, (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY) req.destroy(new FetchError(`${url}: answer larger than ${MAX_BODY} bytes`));
        else chunks.push(chunk);
      });
      response.on("end", () => {
        clearTimeout(timer);
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          body = undefined;
        }
        const retryAfter = response.headers["retry-after"];
        resolve({ status: response.statusCode ?? 0, retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter, body });
      });
      response.on("error", (error) => {
        clearTimeout(timer);
        reject(new FetchError(`${url}: ${error.message}`));
      });
    });
    const timer = setTimeout(() => req.destroy(new FetchError(`${url} did not answer within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
    req.on("error", (error) => {
      clearTimeout(timer);
      reject(error instanceof FetchError ? error : new FetchError(`${url}: ${error.message}`));
    });
    req.end();
  });
}
