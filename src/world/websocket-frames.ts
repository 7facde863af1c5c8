// The bits of RFC 6455 a WebSocket echo service and its client need: the handshake's accept key, and text, ping, pong
// and close frames, written and read (masked from client to server, as the RFC requires). Pure.
import { createHash } from "node:crypto";

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** Frames larger than this are refused: neither side of the demo sends more than a line. */
export const MAX_PAYLOAD = 64 * 1024;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Buffer;
}

/** Sec-WebSocket-Accept for a Sec-WebSocket-Key. */
export function computeAcceptKey(key: string): string {
  return createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
}

/** One whole frame; `mask` (4 bytes) for frames a client sends. */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const length = payload.length;
  const header: number[] = [0x80 | opcode];
  const maskBit = mask ? 0x80 : 0;
  if (length < 126) header.push(maskBit | length);
  else if (length < 0x10000) header.push(maskBit | 126, length >> 8, length & 0xff);
  else throw new RangeError(`a ${length}-byte frame is larger than this implementation sends`);
  if (!mask) return Buffer.concat([Buffer.from(header), payload]);
  if (mask.length !== 4) throw new RangeError("a WebSocket mask is 4 bytes");
  return Buffer.concat([Buffer.from(header), mask, applyMask(payload, mask)]);
}

function applyMask(payload: Buffer, mask: Buffer): Buffer {
  const out = Buffer.alloc(payload.length);
  for (let i = 0; i < payload.length; i++) out[i] = payload[i]! ^ mask[i % 4]!;
  return out;
}

export class FrameError extends Error {}

/** Reads frames from a byte stream that arrives in arbitrary pieces. */
export class FrameReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly options: { expectMasked: boolean }) {}

  /** Adds bytes; returns every frame now complete. Throws FrameError on a frame this side must refuse. */
  push(chunk: Buffer): Frame[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.next();
      if (!frame) return frames;
      frames.push(frame);
    }
  }

  private next(): Frame | undefined {
    const buf = this.pending;
    if (buf.length < 2) return undefined;
    const fin = (buf[0]! & 0x80) !== 0;
    const opcode = buf[0]! & 0x0f;
    const masked = (buf[1]! & 0x80) !== 0;
    if (masked !== this.options.expectMasked) throw new FrameError(masked ? "a server must not mask its frames" : "a client must mask its frames");
    let length = buf[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buf.length < 4) return undefined;
      length = buf.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buf.length < 10) return undefined;
      const big = buf.readBigUInt64BE(2);
      if (big > BigInt(MAX_PAYLOAD)) throw new FrameError(`a ${big}-byte frame is larger than ${MAX_PAYLOAD} bytes`);
      length = Number(big);
      offset = 10;
    }
    if (length > MAX_PAYLOAD) throw new FrameError(`a ${length}-byte frame is larger than ${MAX_PAYLOAD} bytes`);
    const maskLength = masked ? 4 : 0;
    if (buf.length < offset + maskLength + length) return undefined;
    const mask = masked ? buf.subarray(offset, offset + 4) : undefined;
    const raw = buf.subarray(offset + maskLength, offset + maskLength + length);
    this.pending = buf.subarray(offset + maskLength + length);
    return { fin, opcode, payload: mask ? applyMask(raw, mask) : Buffer.from(raw) };
  }
}
