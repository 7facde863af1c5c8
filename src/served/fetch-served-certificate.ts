// One TLS handshake to nginx with a given SNI name: which certificate does it present for that name?
import { connect } from "node:tls";
import { createHash } from "node:crypto";

export type ServedResult = { ok: true; fingerprint: string; der: Buffer } | { ok: false; error: string };

export function fetchServedCertificate(options: { host: string; port: number; servername: string; timeoutMs: number }): Promise<ServedResult> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: ServedResult): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    // Trust is not the question here, identity is: the fingerprint is compared with the one on disk. An IP address
    // is not a valid SNI name (RFC 6066): nginx then picks the default server, as a client asking by address gets.
    const isIp = /^[\d.]+$/.test(options.servername) || options.servername.includes(":");
    const socket = connect({ host: options.host, port: options.port, servername: isIp ? undefined : options.servername, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] });
    socket.setTimeout(options.timeoutMs, () => finish({ ok: false, error: `no TLS handshake within ${options.timeoutMs} ms` }));
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      if (!peer || !peer.raw) finish({ ok: false, error: "nginx presented no certificate" });
      else finish({ ok: true, fingerprint: createHash("sha256").update(peer.raw).digest("hex"), der: peer.raw });
    });
    socket.once("error", (error) => finish({ ok: false, error: error.message }));
  });
}
