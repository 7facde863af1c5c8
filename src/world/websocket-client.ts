// A WebSocket client over TLS to 127.0.0.1 with an SNI name, trusting nothing (identity is not its question): holds a
// connection open through nginx and says what arrived when, whether it is still open, and how long an echo takes.
import { randomBytes } from "node:crypto";
import { connect, type TLSSocket } from "node:tls";
import { computeAcceptKey, encodeFrame, FrameError, FrameReader, OPCODE } from "./websocket-frames.js";

export interface WebSocketClientOptions {
  port: number;
  /** SNI name and Host header. */
  servername: string;
  path?: string;
  /** For the TLS and WebSocket handshakes together (default 5 s). */
  timeoutMs?: number;
}

export interface WebSocketConnection {
  /** Text messages received, with Date.now() at arrival, oldest first. */
  received: { at: number; text: string }[];
  isOpen(): boolean;
  /** Date.now() when the connection closed, and why; undefined while open. */
  closed(): { at: number; reason: string } | undefined;
  /** Sends `text` and resolves with the milliseconds until it came back. */
  echo(text: string, timeoutMs?: number): Promise<number>;
  close(): void;
}

export function openWebSocket(options: WebSocketClientOptions): Promise<WebSocketConnection> {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const key = randomBytes(16).toString("base64");
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: "127.0.0.1", port: options.port, servername: options.servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    const received: WebSocketConnection["received"] = [];
    const waiting = new Map<string, (at: number) => void>();
    let closed: { at: number; reason: string } | undefined;
    let head = Buffer.alloc(0);
    let reader: FrameReader | undefined;
    const timer = setTimeout(() => fail(new Error(`no WebSocket handshake with ${options.servername} on 127.0.0.1:${options.port} within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const close = (reason: string): void => {
      closed ??= { at: Date.now(), reason };
      socket.destroy();
    };
    const onFrames = (chunk: Buffer): void => {
      try {
        for (const frame of reader!.push(chunk)) {
          if (frame.opcode === OPCODE.text) {
            const text = frame.payload.toString("utf8");
            const at = Date.now();
            received.push({ at, text });
            waiting.get(text)?.(at);
            waiting.delete(text);
          } else if (frame.opcode === OPCODE.ping) socket.write(encodeFrame(OPCODE.pong, frame.payload, randomBytes(4)));
          else if (frame.opcode === OPCODE.close) close(`closed by the server${frame.payload.length >= 2 ? ` (status ${frame.payload.readUInt16BE(0)})` : ""}`);
        }
      } catch (error) {
        if (!(error instanceof FrameError)) throw error;
        close(`protocol error: ${error.message}`);
      }
    };
    const connection: WebSocketConnection = {
      received,
      isOpen: () => closed === undefined,
      closed: () => closed,
      echo: (text, echoTimeoutMs = 5_000) =>
        new Promise((resolveEcho, rejectEcho) => {
          if (closed) return rejectEcho(new Error(`the WebSocket is closed: ${closed.reason}`));
          const sent = Date.now();
          const echoTimer = setTimeout(() => {
            waiting.delete(text);
            rejectEcho(new Error(`no echo of ${JSON.stringify(text)} within ${echoTimeoutMs} ms`));
          }, echoTimeoutMs);
          waiting.set(text, (at) => {
            clearTimeout(echoTimer);
            resolveEcho(at - sent);
          });
          socket.write(encodeFrame(OPCODE.text, Buffer.from(text), randomBytes(4)));
        }),
      close: () => {
        if (closed) return;
        socket.write(encodeFrame(OPCODE.close, Buffer.from([0x03, 0xe8]), randomBytes(4)));
        close("closed by the client");
      },
    };
    socket.once("secureConnect", () => {
      socket.write(
        `GET ${options.path ?? "/"} HTTP/1.1\r\nHost: ${options.servername}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
    });
    socket.on("data", (chunk: Buffer) => {
      if (reader) return onFrames(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) {
        if (head.length > 16_384) fail(new Error("the WebSocket handshake answer is too long"));
        return;
      }
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? "")?.[1];
      const accept = lines.find((line) => /^sec-websocket-accept:/i.test(line))?.split(":")[1]?.trim();
      if (status !== "101") return fail(new Error(`expected 101 Switching Protocols from ${options.servername}, got ${lines[0] ?? "nothing"}`));
      if (accept !== computeAcceptKey(key)) return fail(new Error(`${options.servername} answered the WebSocket handshake with a wrong Sec-WebSocket-Accept`));
      clearTimeout(timer);
      reader = new FrameReader({ expectMasked: false });
      resolve(connection);
      const rest = head.subarray(end + 4);
      if (rest.length > 0) onFrames(rest);
    });
    socket.on("error", (error) => (reader ? close(error.message) : fail(error)));
    socket.on("close", () => (reader ? close("the connection was closed") : fail(new Error(`${options.servername} closed the connection during the WebSocket handshake`))));
  });
}
