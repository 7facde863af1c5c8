// HTTPS to the test nginx the way a browser would reach a site, but trusting nothing: SNI and Host set to a site's name
// on 127.0.0.1:<https port>, and the certificate nginx presented handed back so a test compares it with live/.
import { X509Certificate } from "node:crypto";
import { request, type RequestOptions } from "node:https";
import type { TLSSocket } from "node:tls";

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The leaf certificate nginx presented for the SNI name. */
  certificate: X509Certificate;
}

export interface HttpsRequestOptions {
  port: number;
  /** SNI name and Host header. */
  servername: string;
  path?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

function baseOptions(options: HttpsRequestOptions): RequestOptions {
  return {
    host: "127.0.0.1",
    port: options.port,
    servername: options.servername,
    path: options.path ?? "/",
    headers: { host: options.servername, ...options.headers },
    // Identity is checked by fingerprint against live/, not by a trust store.
    rejectUnauthorized: false,
    agent: false,
    timeout: options.timeoutMs ?? 5_000,
  };
}

function peerCertificate(socket: TLSSocket): X509Certificate {
  const peer = socket.getPeerCertificate();
  if (!peer?.raw) throw new Error("nginx presented no certificate");
  return new X509Certificate(peer.raw);
}

export function httpsGet(options: HttpsRequestOptions): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(baseOptions(options), (response) => {
      const certificate = peerCertificate(response.socket as TLSSocket);
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8"), certificate }));
      response.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`GET https://${options.servername}:${options.port}${options.path ?? "/"} timed out`)));
    req.on("error", reject);
    req.end();
  });
}

export interface UpgradeAnswer {
  /** The 101 response's headers. */
  headers: Record<string, string | string[] | undefined>;
  /** What came back on the upgraded connection after sending `message`. */
  echoed: string;
}

/** A WebSocket-style upgrade through nginx: expects 101, sends `message` on the upgraded connection, reads it back. */
export function httpsUpgrade(options: HttpsRequestOptions & { message: string }): Promise<UpgradeAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ ...baseOptions(options), headers: { host: options.servername, connection: "Upgrade", upgrade: "websocket", ...options.headers } });
    req.on("upgrade", (response, socket, head) => {
      let echoed = head.toString("utf8");
      const finish = (): void => {
        socket.destroy();
        resolve({ headers: response.headers, echoed });
      };
      socket.setTimeout(options.timeoutMs ?? 5_000, () => socket.destroy(new Error("no echo on the upgraded connection in time")));
      socket.on("data", (chunk: Buffer) => {
        echoed += chunk.toString("utf8");
        if (echoed.length >= options.message.length) finish();
      });
      socket.on("error", reject);
      socket.write(options.message);
    });
    req.on("response", (response) => {
      response.resume();
      reject(new Error(`expected 101 Switching Protocols, got ${response.statusCode}`));
    });
    req.on("timeout", () => req.destroy(new Error("the upgrade timed out")));
    req.on("error", reject);
    req.end();
  });
}
