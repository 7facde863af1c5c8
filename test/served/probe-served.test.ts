// The shared probing against real sockets on loopback: TLS servers that present known certificates (TLS 1.2 and
// TLS 1.3-only), servers that refuse, reset, stall or reject the name, and one that fails its first connections.
import { createHash, X509Certificate } from "node:crypto";
import { connect, createServer as createTcpServer, type Server, type Socket } from "node:net";
import { createSecureContext, createServer as createTlsServer, type TLSSocket } from "node:tls";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { fetchServedCertificate } from "../../src/served/fetch-served-certificate.js";
import { peekServedCertificate, ServerFlightReader } from "../../src/served/peek-served-certificate.js";
import { probeConcurrency, probeKey, probeServed, workerConnectionsOf } from "../../src/served/probe-served.js";
import { parseNginxConfig } from "../../src/nginx/parse-config.js";
import { makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";

let ca: TestCert;
let alpha: TestCert;
let beta: TestCert;
const servers: Server[] = [];
const sockets = new Set<Socket>();

const sha256 = (pem: string): string => createHash("sha256").update(new X509Certificate(pem).raw).digest("hex");

beforeAll(async () => {
  ca = await makeCa({ name: "Probe Test CA" });
  alpha = await makeLeaf({ domains: ["alpha.example", "www.alpha.example"], issuer: ca });
  // Both ECDSA: node's own TLS server picks a TLS 1.2 cipher for its default certificate before its SNI callback
  // switches certificates, so with an RSA default it would present that for every name (nginx chooses by name first).
  beta = await makeLeaf({ domains: ["beta.example"], issuer: ca });
});

afterEach(async () => {
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(server: Server): Promise<number> {
  servers.push(server);
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/** A TLS server presenting alpha's certificate for alpha's names and beta's for everything else. */
async function startTls(options: { minVersion?: "TLSv1.2" | "TLSv1.3"; onSocket?: (socket: TLSSocket) => void } = {}): Promise<{ port: number; open: () => number; maxOpen: () => number; connections: () => number }> {
  let open = 0;
  let maxOpen = 0;
  let connections = 0;
  const contexts = {
    alpha: { key: alpha.key.privateKeyPem, cert: alpha.pem + ca.pem },
    beta: { key: beta.key.privateKeyPem, cert: beta.pem + ca.pem },
  };
  const alphaContext = createSecureContext(contexts.alpha);
  const server = createTlsServer({
    ...contexts.beta,
    minVersion: options.minVersion ?? "TLSv1.2",
    SNICallback: (name, done) => {
      if (name.endsWith("alpha.example")) done(null, alphaContext);
      else done(null, undefined);
    },
  });
  server.on("connection", (socket: Socket) => {
    connections++;
    open++;
    maxOpen = Math.max(maxOpen, open);
    socket.once("close", () => open--);
  });
  server.on("secureConnection", (socket) => {
    options.onSocket?.(socket);
    // Hold each connection a moment, as a loaded server does, so connections overlap.
    setTimeout(() => socket.destroy(), 20);
  });
  server.on("tlsClientError", () => undefined);
  const port = await listen(server);
  return { port, open: () => open, maxOpen: () => maxOpen, connections: () => connections };
}

describe("peekServedCertificate (TLS 1.2 first flight)", () => {
  it("reads the certificate presented for each SNI name without a full handshake", async () => {
    const { port } = await startTls();
    const a = await peekServedCertificate({ host: "127.0.0.1", port, servername: "www.alpha.example", timeoutMs: 5_000 });
    const b = await peekServedCertificate({ host: "127.0.0.1", port, servername: "other.example", timeoutMs: 5_000 });
    expect(a.ok && a.fingerprint).toBe(sha256(alpha.pem));
    expect(b.ok && b.fingerprint).toBe(sha256(beta.pem));
    // The same answer as a full handshake.
    const full = await fetchServedCertificate({ host: "127.0.0.1", port, servername: "www.alpha.example", timeoutMs: 5_000 });
    expect(full.ok && full.fingerprint).toBe(sha256(alpha.pem));
  });

  it("reassembles a flight that arrives a byte at a time and says what a non-TLS answer is", () => {
    const der = new X509Certificate(alpha.pem).raw;
    const u24 = (n: number): Buffer => Buffer.from([n >> 16, (n >> 8) & 255, n & 255]);
    const hello = Buffer.concat([Buffer.from([2]), u24(38), Buffer.from([3, 3]), Buffer.alloc(36)]);
    const certificate = Buffer.concat([Buffer.from([11]), u24(der.length + 6), u24(der.length + 3), u24(der.length), der]);
    const handshake = Buffer.concat([hello, certificate]);
    // Split over two records, then fed one byte at a time.
    const cut = 50;
    const record = (body: Buffer): Buffer => Buffer.concat([Buffer.from([0x16, 3, 3, body.length >> 8, body.length & 255]), body]);
    const stream = Buffer.concat([record(handshake.subarray(0, cut)), record(handshake.subarray(cut))]);
    const reader = new ServerFlightReader();
    let answer: ReturnType<ServerFlightReader["push"]> = { done: false };
    for (let i = 0; i < stream.length && !answer.done; i++) answer = reader.push(stream.subarray(i, i + 1));
    expect(answer.done && answer.result.ok && answer.result.fingerprint).toBe(sha256(alpha.pem));

    const http = new ServerFlightReader().push(Buffer.from("HTTP/1.1 400 Bad Request\r\n\r\n"));
    expect(http).toEqual({ done: true, result: { ok: false, kind: "not-tls", error: "plain HTTP answered on that port, not TLS" } });
    const alert = new ServerFlightReader().push(Buffer.from([0x15, 3, 3, 0, 2, 2, 112]));
    expect(alert).toEqual({ done: true, result: { ok: false, kind: "alert", alert: 112, error: "alert" } });
  });
});

describe("probeServed", () => {
  it("answers every probe, with no more connections open at once than asked, each name once", async () => {
    const server = await startTls();
    const names = Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? `n${i}.alpha.example` : `n${i}.other.example`));
    const probes = [...names, ...names].map((name) => ({ name, host: "127.0.0.1", port: server.port }));
    const results = await probeServed(probes, { concurrency: 5 });
    expect(results.size).toBe(60);
    for (const name of names) {
      const result = results.get(probeKey({ name, host: "127.0.0.1", port: server.port }))!;
      expect(result.ok && result.fingerprint, name).toBe(sha256(name.endsWith("alpha.example") ? alpha.pem : beta.pem));
    }
    expect(server.maxOpen()).toBeLessThanOrEqual(5);
    expect(server.maxOpen()).toBeGreaterThan(1);
    expect(server.connections()).toBe(60);
  });

  it("falls back to a full handshake where only TLS 1.3 is spoken", async () => {
    const server = await startTls({ minVersion: "TLSv1.3" });
    const probes = ["a.alpha.example", "b.alpha.example", "c.other.example"].map((name) => ({ name, host: "127.0.0.1", port: server.port }));
    const results = await probeServed(probes, { concurrency: 1 });
    expect([...results.values()].map((result) => result.ok && result.fingerprint)).toEqual([sha256(alpha.pem), sha256(alpha.pem), sha256(beta.pem)]);
    // The first quick look found TLS 1.2 refused; the other probes at that place went straight to full handshakes.
    expect(server.connections()).toBe(4);
  });

  it("asks a failed name again after a short backoff: a server that resets its first connections is found serving", async () => {
    let resets = 4;
    const tls = await startTls();
    // A front that resets the first connections and then passes bytes through to the TLS server.
    const front = createTcpServer((socket) => {
      if (resets-- > 0) {
        socket.resetAndDestroy();
        return;
      }
      const back = connect({ host: "127.0.0.1", port: tls.port });
      socket.pipe(back).pipe(socket);
      socket.on("error", () => back.destroy());
      back.on("error", () => socket.destroy());
    });
    const port = await listen(front);
    const results = await probeServed([{ name: "x.alpha.example", host: "127.0.0.1", port }, { name: "y.alpha.example", host: "127.0.0.1", port }], { retryDelaysMs: [50, 100] });
    for (const result of results.values()) expect(result.ok && result.fingerprint).toBe(sha256(alpha.pem));
  });

  it("says what it saw when a name is not served: refused, reset, silence, a rejected name; after every retry", async () => {
    const closed = await listen(createTcpServer());
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const resetting = await listen(createTcpServer((socket) => socket.resetAndDestroy()));
    const silent = await listen(createTcpServer(() => undefined));
    // nginx's ssl_reject_handshake: an unrecognized_name alert for the ClientHello, then the connection closes.
    const rejecting = await listen(createTcpServer((socket) => socket.once("data", () => socket.end(Buffer.from([0x15, 3, 3, 0, 2, 2, 112])))));
    const serving = await startTls();
    const started = Date.now();
    const results = await probeServed(
      [
        { name: "a.example", host: "127.0.0.1", port: closed },
        { name: "a.example", host: "127.0.0.1", port: resetting },
        { name: "a.example", host: "127.0.0.1", port: silent },
        { name: "unknown.example", host: "127.0.0.1", port: rejecting },
        { name: "ok.alpha.example", host: "127.0.0.1", port: serving.port },
      ],
      { timeoutMs: 300, retryDelaysMs: [50, 100] },
    );
    const [refused, reset, timeout, rejected, served] = [...results.values()];
    expect(refused).toEqual({ ok: false, kind: "refused", error: "connection refused: nothing listens there", attempts: 3 });
    expect(reset).toEqual({ ok: false, kind: "reset", error: "nginx reset the connection before presenting a certificate", attempts: 3 });
    expect(timeout).toEqual({ ok: false, kind: "timeout", error: "no TLS handshake within 300 ms", attempts: 3 });
    expect(rejected).toEqual({
      ok: false,
      kind: "alert",
      alert: 112,
      error: "nginx refused the handshake: TLS alert unrecognized_name (112): nginx rejects the name (ssl_reject_handshake on in the block that answers)",
      attempts: 3,
    });
    expect(served!.ok).toBe(true);
    // The retries waited (50 + 100 ms) and the silent server was given its time three times.
    expect(Date.now() - started).toBeGreaterThanOrEqual(150 + 3 * 300);
  });
});

describe("probe concurrency from nginx's configuration", () => {
  it("is at most an eighth of one worker's connections, within 1..32", () => {
    const conf = (text: string) => [{ directives: parseNginxConfig(text) }];
    expect(workerConnectionsOf(conf("events { worker_connections 64; }\nhttp { }"))).toBe(64);
    expect(workerConnectionsOf(conf("http { }"))).toBeUndefined();
    expect(probeConcurrency(64)).toBe(8);
    expect(probeConcurrency(4)).toBe(1);
    expect(probeConcurrency(768)).toBe(32);
    expect(probeConcurrency(undefined)).toBe(32);
  });
});
