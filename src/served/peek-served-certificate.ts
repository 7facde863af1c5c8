// The certificate nginx presents for a name, read without a full handshake: a TLS 1.2 ClientHello (the SNI name, the
// cipher suites and signature algorithms of a current client) and the server's first flight up to its Certificate
// message, which TLS 1.2 sends in the clear; then the connection is closed. nginx chooses the server block, and the
// certificate in it, exactly as for any client, but neither side computes keys for a session nobody uses: about a
// fifth of the CPU of a full handshake here, and half of nginx's. Whatever does not end in a certificate (an alert, a
// server that speaks only TLS 1.3, anything unexpected) is left to a full handshake (fetch-served-certificate.ts),
// whose answer is the one reported.
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import type { ServedResult } from "./fetch-served-certificate.js";
import { describeSocketError, isIpAddress } from "./describe-handshake-error.js";

const RECORD_HANDSHAKE = 0x16;
const RECORD_ALERT = 0x15;
const HANDSHAKE_SERVER_HELLO = 2;
const HANDSHAKE_CERTIFICATE = 11;
const HANDSHAKE_SERVER_HELLO_DONE = 14;
/** More than any certificate chain nginx sends; a server that sends more is not answered here. */
const MAX_FLIGHT_BYTES = 256 * 1024;

// ECDHE with ECDSA first, then RSA (as browsers offer them), then the plain RSA suites older configurations allow.
const CIPHER_SUITES = [0xc02b, 0xc02c, 0xcca9, 0xc02f, 0xc030, 0xcca8, 0xc009, 0xc00a, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const GROUPS = [0x001d, 0x0017, 0x0018]; // x25519, secp256r1, secp384r1
const SIGNATURE_ALGORITHMS = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601];

const u16 = (value: number): Buffer => Buffer.from([(value >> 8) & 0xff, value & 0xff]);
const u24 = (value: number): Buffer => Buffer.from([(value >> 16) & 0xff, (value >> 8) & 0xff, value & 0xff]);
const vector16 = (body: Buffer): Buffer => Buffer.concat([u16(body.length), body]);
const extension = (type: number, body: Buffer): Buffer => Buffer.concat([u16(type), vector16(body)]);
const list16 = (values: readonly number[]): Buffer => vector16(Buffer.concat(values.map(u16)));

/** A TLS 1.2 ClientHello record asking for `servername` (no SNI for an address, as a client asking by address sends none). */
export function renderClientHello(servername: string | undefined): Buffer {
  const extensions = [
    ...(servername === undefined ? [] : [extension(0x0000, vector16(Buffer.concat([Buffer.from([0]), vector16(Buffer.from(servername, "ascii"))])))]),
    extension(0x000a, list16(GROUPS)),
    extension(0x000b, Buffer.from([1, 0])), // ec_point_formats: uncompressed
    extension(0x000d, list16(SIGNATURE_ALGORITHMS)),
    extension(0x0017, Buffer.alloc(0)), // extended_master_secret
    extension(0xff01, Buffer.from([0])), // renegotiation_info
  ];
  const body = Buffer.concat([
    Buffer.from([3, 3]),
    randomBytes(32),
    Buffer.from([0]), // no session to resume
    list16(CIPHER_SUITES),
    Buffer.from([1, 0]), // no compression
    vector16(Buffer.concat(extensions)),
  ]);
  const handshake = Buffer.concat([Buffer.from([1]), u24(body.length), body]);
  return Buffer.concat([Buffer.from([RECORD_HANDSHAKE, 3, 1]), u16(handshake.length), handshake]);
}

export type FlightResult = { done: false } | { done: true; result: ServedResult };

/**
 * Reads a server's first flight as it arrives: `push` each chunk; it answers once the Certificate message (or an alert,
 * or something that is not a TLS 1.2 server hello) is complete.
 */
export class ServerFlightReader {
  private records: Buffer = Buffer.alloc(0);
  private handshake: Buffer = Buffer.alloc(0);
  private total = 0;

  push(chunk: Buffer): FlightResult {
    this.total += chunk.length;
    if (this.total > MAX_FLIGHT_BYTES) return fail("tls", `more than ${MAX_FLIGHT_BYTES} bytes before a certificate`);
    this.records = this.records.length === 0 ? chunk : Buffer.concat([this.records, chunk]);
    while (this.records.length >= 5) {
      const type = this.records[0]!;
      if ((type !== RECORD_HANDSHAKE && type !== RECORD_ALERT) || this.records[1] !== 3) {
        const text = this.records.subarray(0, 8).toString("latin1");
        return fail("not-tls", /^HTTP\//.test(text) ? "plain HTTP answered on that port, not TLS" : "the answer is not TLS");
      }
      const length = this.records.readUInt16BE(3);
      if (this.records.length < 5 + length) break;
      const fragment = this.records.subarray(5, 5 + length);
      this.records = this.records.subarray(5 + length);
      if (type === RECORD_ALERT) return fail("alert", "alert", fragment[1]);
      this.handshake = this.handshake.length === 0 ? fragment : Buffer.concat([this.handshake, fragment]);
      const answer = this.readMessages();
      if (answer.done) return answer;
    }
    return { done: false };
  }

  private readMessages(): FlightResult {
    while (this.handshake.length >= 4) {
      const length = this.handshake.readUIntBE(1, 3);
      if (this.handshake.length < 4 + length) return { done: false };
      const type = this.handshake[0]!;
      const message = this.handshake.subarray(4, 4 + length);
      this.handshake = this.handshake.subarray(4 + length);
      if (type === HANDSHAKE_SERVER_HELLO && (message.length < 2 || message[0] !== 3 || message[1] !== 3)) return fail("tls", "the server did not answer with TLS 1.2");
      if (type === HANDSHAKE_SERVER_HELLO_DONE) return fail("no-certificate", "nginx presented no certificate");
      if (type !== HANDSHAKE_CERTIFICATE) continue;
      if (message.length < 6) return fail("no-certificate", "nginx presented no certificate");
      const first = message.readUIntBE(3, 3);
      if (6 + first > message.length) return fail("tls", "a malformed Certificate message");
      const der = Buffer.from(message.subarray(6, 6 + first));
      return { done: true, result: { ok: true, fingerprint: createHash("sha256").update(der).digest("hex"), der } };
    }
    return { done: false };
  }
}

function fail(kind: Extract<ServedResult, { ok: false }>["kind"], error: string, alert?: number): FlightResult {
  return { done: true, result: { ok: false, kind, error, ...(alert === undefined ? {} : { alert }) } };
}

/** The certificate nginx presents for `servername` to a TLS 1.2 client, read from its first flight. */
export function peekServedCertificate(options: { host: string; port: number; servername: string; timeoutMs: number }): Promise<ServedResult> {
  return new Promise((resolve) => {
    const reader = new ServerFlightReader();
    let settled = false;
    const socket = connect({ host: options.host, port: options.port });
    const finish = (result: ServedResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, kind: "timeout", error: `no TLS answer within ${options.timeoutMs} ms` }), options.timeoutMs);
    socket.setNoDelay(true);
    socket.once("connect", () => socket.write(renderClientHello(isIpAddress(options.servername) ? undefined : options.servername)));
    socket.on("data", (chunk: Buffer) => {
      const answer = reader.push(chunk);
      if (answer.done) finish(answer.result);
    });
    socket.once("end", () => finish({ ok: false, kind: "closed", error: "nginx closed the connection during the handshake" }));
    socket.once("error", (error: NodeJS.ErrnoException) => finish(describeSocketError(error)));
  });
}
