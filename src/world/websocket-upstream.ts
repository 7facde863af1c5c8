// A WebSocket service behind the proxy: it holds each connection open, sends a numbered tick every `tickMs`, echoes
// every text message, and logs when a connection opens and closes (one JSON line each), so whether a connection
// survived a reload of nginx can be read from its side too.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { computeAcceptKey, encodeFrame, FrameError, FrameReader, OPCODE } from "./websocket-frames.js";

export interface WebSocketUpstreamOptions {
  port?: number;
  tickMs?: number;
  /** One line per event (`{"time","event":"open"|"close","connection","ticks","echoes"}`). */
  log?: (line: string) => void;
  /** The header every answer carries, as the echo upstream's does. */
  markHeader?: string;
}

export interface WebSocketUpstream {
  port: number;
  url: string;
  /** Connections open now. */
  openConnections(): number;
  stop(): Promise<void>;
}

export async function startWebSocketUpstream(options: WebSocketUpstreamOptions = {}): Promise<WebSocketUpstream> {
  const tickMs = options.tickMs ?? 250;
  const log = options.log ?? (() => undefined);
  const mark = options.markHeader ? `${options.markHeader}: 1\r\n` : "";
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((_req, res) => {
    res.writeHead(426, { "content-type": "text/plain", upgrade: "websocket", ...(options.markHeader ? { [options.markHeader]: "1" } : {}) });
    res.end("This service speaks WebSocket only: connect with a WebSocket client (Upgrade: websocket).\n");
  });
  server.on("upgrade", (req: IncomingMessage, socket: Socket) => {
    const key = req.headers["sec-websocket-key"];
    if (String(req.headers.upgrade).toLowerCase() !== "websocket" || typeof key !== "string") {
      socket.end(`HTTP/1.1 400 Bad Request\r\n${mark}content-length: 0\r\n\r\n`);
      return;
    }
    const id = ++connections;
    let ticks = 0;
    let echoes = 0;
    sockets.add(socket);
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${computeAcceptKey(key)}\r\n${mark}\r\n`);
    log(JSON.stringify({ time: new Date().toISOString(), event: "open", connection: id, from: req.headers["x-forwarded-for"] ?? req.socket.remoteAddress }));
    const timer = setInterval(() => socket.write(encodeFrame(OPCODE.text, Buffer.from(`tick ${++ticks}`))), tickMs);
    const reader = new FrameReader({ expectMasked: true });
    socket.on("data", (chunk: Buffer) => {
      try {
        for (const frame of reader.push(chunk)) {
          if (frame.opcode === OPCODE.text) {
            echoes++;
            socket.write(encodeFrame(OPCODE.text, frame.payload));
          } else if (frame.opcode === OPCODE.ping) socket.write(encodeFrame(OPCODE.pong, frame.payload));
          else if (frame.opcode === OPCODE.close) socket.end(encodeFrame(OPCODE.close, frame.payload.subarray(0, 2)));
        }
      } catch (error) {
        // Status 1002, protocol error, then the connection goes.
        socket.end(encodeFrame(OPCODE.close, Buffer.from([0x03, 0xea])));
        if (!(error instanceof FrameError)) throw error;
      }
    });
    socket.on("error", () => socket.destroy());
    socket.once("close", () => {
      clearInterval(timer);
      sockets.delete(socket);
      log(JSON.stringify({ time: new Date().toISOString(), event: "close", connection: id, ticks, echoes }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port: options.port ?? 0 }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    openConnections: () => sockets.size,
    stop: () =>
      new Promise<void>((resolve) => {
        // Upgraded sockets are no longer the HTTP server's: closeAllConnections() does not see them.
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
