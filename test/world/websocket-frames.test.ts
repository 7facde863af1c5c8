// RFC 6455's framing as the demo's WebSocket service and client use it: the handshake key (the RFC's own example),
// masking, lengths past 125 bytes, frames split across reads, and refusals.
import { describe, expect, it } from "vitest";
import { computeAcceptKey, encodeFrame, FrameError, FrameReader, OPCODE } from "../../src/world/websocket-frames.js";

describe("WebSocket frames", () => {
  it("computes the RFC's example Sec-WebSocket-Accept", () => {
    expect(computeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==")).toBe("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });

  it("writes the RFC's example frames: an unmasked and a masked 'Hello'", () => {
    expect(encodeFrame(OPCODE.text, Buffer.from("Hello")).toString("hex")).toBe("810548656c6c6f");
    expect(encodeFrame(OPCODE.text, Buffer.from("Hello"), Buffer.from([0x37, 0xfa, 0x21, 0x3d])).toString("hex")).toBe("818537fa213d7f9f4d5158");
  });

  it("reads masked frames split at every byte, and a 16-bit length", () => {
    const long = Buffer.alloc(300, "x");
    const bytes = Buffer.concat([encodeFrame(OPCODE.text, Buffer.from("tick 1"), Buffer.from([1, 2, 3, 4])), encodeFrame(OPCODE.ping, long, Buffer.from([9, 8, 7, 6]))]);
    const reader = new FrameReader({ expectMasked: true });
    const frames = [...bytes].flatMap((byte) => reader.push(Buffer.from([byte])));
    expect(frames.map((frame) => [frame.opcode, frame.payload.toString()])).toEqual([
      [OPCODE.text, "tick 1"],
      [OPCODE.ping, long.toString()],
    ]);
  });

  it("refuses an unmasked frame from a client, a masked one from a server, and an oversized one", () => {
    expect(() => new FrameReader({ expectMasked: true }).push(encodeFrame(OPCODE.text, Buffer.from("a")))).toThrow(FrameError);
    expect(() => new FrameReader({ expectMasked: false }).push(encodeFrame(OPCODE.text, Buffer.from("a"), Buffer.alloc(4)))).toThrow(FrameError);
    const huge = Buffer.from([0x81, 0x7f, 0, 0, 0, 0, 0, 0x10, 0, 0]);
    expect(() => new FrameReader({ expectMasked: false }).push(huge)).toThrow(/larger than/);
  });
});
