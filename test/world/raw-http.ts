// Sends one HTTP request exactly as written (request line, headers, no Host at all) over a plain socket: node's http
// client normalises paths and always sends Host, so `..` and HTTP/1.0 requests need this.
import { connect } from "node:net";

export interface RawResponse {
  /** 0 when nothing parsable came back. */
  status: number;
  /** Header names in lower case; the last value wins. */
  headers: Record<string, string>;
  body: string;
  /** Everything nginx sent, for assertions that a secret never appears anywhere in the answer. */
  raw: string;
}

export function rawHttp(options: { port: number; request: string; address?: string; timeoutMs?: number }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: options.address ?? "127.0.0.1", port: options.port });
    const chunks: Buffer[] = [];
    socket.setTimeout(options.timeoutMs ?? 5_000, () => socket.destroy(new Error(`no complete answer from 127.0.0.1:${options.port} in time`)));
    socket.on("connect", () => socket.end(options.request));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("close", () => resolve(parseResponse(Buffer.concat(chunks).toString("latin1"))));
  });
}

function parseResponse(raw: string): RawResponse {
  const end = raw.indexOf("\r\n\r\n");
  const head = end >= 0 ? raw.slice(0, end) : raw;
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1];
  return { status: status ? Number(status) : 0, headers, body: end >= 0 ? raw.slice(end + 4) : "", raw };
}
