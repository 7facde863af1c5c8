// A plain HTTP GET to a loopback port with any Host header (fetch() will not send a custom Host).
import { request } from "node:http";

export interface HttpGetOptions {
  port: number;
  path: string;
  /** Host header; the name nginx routes on. */
  host?: string;
  address?: string;
  timeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpGet(options: HttpGetOptions): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.address ?? "127.0.0.1",
        port: options.port,
        path: options.path,
        headers: options.host ? { host: options.host } : {},
        timeout: options.timeoutMs ?? 5_000,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${options.path} on 127.0.0.1:${options.port} timed out`)));
    req.on("error", reject);
    req.end();
  });
}
