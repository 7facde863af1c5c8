// Which certificate does the test nginx present for an SNI name? One TLS handshake, no trust decision.
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { connect } from "node:tls";

export function fetchServedCertificate(options: { port: number; servername: string; timeoutMs?: number }): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: options.port, servername: options.servername, rejectUnauthorized: false });
    socket.setTimeout(options.timeoutMs ?? 5_000, () => socket.destroy(new Error(`no TLS handshake with ${options.servername} on 127.0.0.1:${options.port} in time`)));
    socket.once("secureConnect", () => {
      const peer = socket.getPeerCertificate();
      socket.destroy();
      if (!peer?.raw) reject(new Error(`nginx presented no certificate for ${options.servername}`));
      else resolve(new X509Certificate(peer.raw));
    });
    socket.once("error", reject);
  });
}

/** The first certificate of a PEM file (cert.pem, or the leaf of fullchain.pem). */
export async function readCertificateFile(file: string): Promise<X509Certificate> {
  return new X509Certificate(await readFile(file));
}
