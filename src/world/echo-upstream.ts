// A service behind the proxy: a node:http server on loopback that answers each request with the request itself as
// JSON, so a test (or an operator trying the demo with curl) sees which Host and X-Forwarded-* headers nginx passed on,
// and echoes WebSocket-style upgrades back.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface UpstreamRequest {
  method: string;
  url: string;
  host: string | undefined;
  headers: IncomingHttpHeaders;
  remoteAddress: string | undefined;
}

export interface Upstream {
  port: number;
  url: string;
  /** Every request seen so far, oldest first. */
  requests: UpstreamRequest[];
  stop(): Promise<void>;
}

/** Marks responses as coming from this upstream (and not from an nginx error page). */
export const UPSTREAM_HEADER = "x-ngcert-test-upstream";

export interface UpstreamOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Keep every request in `requests` (default true); a long-running upstream turns it off. */
  record?: boolean;
}

export async function startUpstream(options: UpstreamOptions = {}): Promise<Upstream> {
  const requests: UpstreamRequest[] = [];
  const record = options.record ?? true;
  // Upgraded sockets are no longer the HTTP server's: closeAllConnections() does not see them.
  const upgraded = new Set<Socket>();
  const server = createServer((req, res) => {
    const seen: UpstreamRequest = { method: req.method ?? "", url: req.url ?? "", host: req.headers.host, headers: req.headers, remoteAddress: req.socket.remoteAddress };
    if (record) requests.push(seen);
    res.writeHead(200, { "content-type": "application/json", [UPSTREAM_HEADER]: "1" });
    res.end(`${JSON.stringify(seen)}\n`);
  });
  server.on("upgrade", (req, socket: Socket) => {
    upgraded.add(socket);
    socket.once("close", () => upgraded.delete(socket));
    if (record) requests.push({ method: req.method ?? "", url: req.url ?? "", host: req.headers.host, headers: req.headers, remoteAddress: req.socket.remoteAddress });
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${req.headers.upgrade ?? "websocket"}\r\nConnection: Upgrade\r\n${UPSTREAM_HEADER}: 1\r\n\r\n`);
    // After the handshake the upstream is an echo server.
    socket.pipe(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: options.port ?? 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
