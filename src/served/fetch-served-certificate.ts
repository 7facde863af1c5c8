// One full TLS handshake to nginx with a given SNI name: which certificate does it present for that name? The
// authoritative question when the quick look (peek-served-certificate.ts) got no certificate.
import { createHash } from "node:crypto";
import { connect, createSecureContext, type SecureContext } from "node:tls";
import { describeSocketError, isIpAddress, type ProbeFailure } from "./describe-handshake-error.js";

export type { ProbeFailure, ProbeFailureKind } from "./describe-handshake-error.js";

export type ServedResult = { ok: true; fingerprint: string; der: Buffer } | ProbeFailure;

// Trust is not the question here, identity is: the fingerprint is compared with the one on disk. One context for every
// handshake: building one per connection (node's default) costs more than the handshake itself.
let context: SecureContext | undefined;

export function fetchServedCertificate(options: { host: string; port: number; servername: string; timeoutMs: number }): Promise<ServedResult> {
  return new Promise((resolve) => {
    let settled = false;
    context ??= createSecureContext({});
    // An IP address is not a valid SNI name (RFC 6066): nginx then picks the default server, as a client asking by
    // address gets.
    const socket = connect({
      host: options.host,
      port: options.port,
      servername: isIpAddress(options.servername) ? undefined : options.servername,
      rejectUnauthorized: false,
      secureContext: context,
      ALPNProtocols: ["http/1.1"],
    });
    const finish = (result: ServedResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, kind: "timeout", error: `no TLS handshake within ${options.timeoutMs} ms` }), options.timeoutMs);
    socket.once("secureConnect", () => {
      const raw = socket.getPeerX509Certificate()?.raw;
      if (!raw) finish({ ok: false, kind: "no-certificate", error: "nginx presented no certificate" });
      else finish({ ok: true, fingerprint: createHash("sha256").update(raw).digest("hex"), der: raw });
    });
    socket.once("error", (error: NodeJS.ErrnoException) => finish(describeSocketError(error)));
  });
}
