// The ACME Renewal Information (RFC 9773) responder the test world puts in front of Pebble, which has none: its
// directory is Pebble's with `renewalInfo` added (every other URL still Pebble's own, so certbot talks to Pebble), and
// GET renewalInfo/<certID> answers what the test set for that certificate: a window (with an explanation URL and a
// Retry-After), a 404, a 500, or no answer at all. Every question is recorded.
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import { request } from "node:https";

export type AriAnswer =
  | { window: { start: Date; end: Date }; explanationURL?: string; retryAfter?: string }
  | { status: number; retryAfter?: string }
  | { hang: true };

export interface AriQuestion {
  certId: string;
  time: number;
}

export interface AriResponder {
  /** The directory URL to give certbot and ngcert (--server). */
  directoryUrl: string;
  renewalInfoUrl: string;
  /** The answer for one certificate identifier, or "*" for any other. Default for any other: 404. */
  answer(certId: string, answer: AriAnswer): void;
  /** Leave `renewalInfo` out of the directory: a CA without ARI. */
  offerAri(offer: boolean): void;
  questions: AriQuestion[];
  stop(): Promise<void>;
}

export interface AriResponderOptions {
  cert: string;
  key: string;
  /** Pebble's directory, fetched trusting `ca`; absent: a directory that names only renewalInfo. */
  upstreamDirectory?: string;
  ca?: string;
}

function fetchJson(url: string, ca: string | undefined): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...(ca ? { ca } : {}), timeout: 5_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => void (body += chunk));
      response.on("end", () => {
        try {
          resolve(JSON.parse(body) as Record<string, unknown>);
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("timeout", () => req.destroy(new Error(`${url} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export async function startAriResponder(options: AriResponderOptions): Promise<AriResponder> {
  const answers = new Map<string, AriAnswer>();
  const questions: AriQuestion[] = [];
  const hanging = new Set<ServerResponse>();
  let offer = true;
  let base = "";
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = req.url ?? "/";
    if (url === "/dir") {
      const directory = options.upstreamDirectory ? await fetchJson(options.upstreamDirectory, options.ca) : {};
      if (offer) directory.renewalInfo = `${base}/renewal-info`;
      else delete directory.renewalInfo;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(directory));
      return;
    }
    const match = /^\/renewal-info\/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(url);
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const certId = match[1]!;
    questions.push({ certId, time: Date.now() });
    const answer = answers.get(certId) ?? answers.get("*") ?? { status: 404 };
    if ("hang" in answer) {
      hanging.add(res);
      return;
    }
    if ("status" in answer) {
      res.writeHead(answer.status, { "content-type": "application/problem+json", ...(answer.retryAfter ? { "retry-after": answer.retryAfter } : {}) }).end(JSON.stringify({ type: "urn:ietf:params:acme:error:malformed", detail: "test" }));
      return;
    }
    const body = { suggestedWindow: { start: answer.window.start.toISOString(), end: answer.window.end.toISOString() }, ...(answer.explanationURL ? { explanationURL: answer.explanationURL } : {}) };
    res.writeHead(200, { "content-type": "application/json", ...(answer.retryAfter ? { "retry-after": answer.retryAfter } : {}) }).end(JSON.stringify(body));
  };
  const server: Server = createServer({ cert: options.cert, key: options.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: 0 }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the ARI responder has no port");
  base = `https://127.0.0.1:${address.port}`;
  return {
    directoryUrl: `${base}/dir`,
    renewalInfoUrl: `${base}/renewal-info`,
    answer: (certId, answer) => void answers.set(certId, answer),
    offerAri: (value) => void (offer = value),
    questions,
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
