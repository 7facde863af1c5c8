// Polls the TLS handshake until nginx presents a given certificate for an SNI name: how long a change on disk takes
// to reach clients, measured from the client side.
import { fetchServedCertificate } from "./served-certificate.js";

export interface ServedPoll {
  /** ms from the start of polling to the first handshake that presented the serial. */
  elapsedMs: number;
  handshakes: number;
}

export async function pollUntilServed(options: { port: number; servername: string; serial: string; intervalMs?: number; timeoutMs: number }): Promise<ServedPoll> {
  const started = performance.now();
  // Compared as numbers: node pads serials to whole bytes ("0a1f"), OpenSSL, certbot and ngcert do not ("a1f").
  const wanted = options.serial.toLowerCase().replace(/^0+(?=.)/, "");
  let handshakes = 0;
  let last = "no handshake yet";
  for (;;) {
    handshakes++;
    try {
      const served = await fetchServedCertificate({ port: options.port, servername: options.servername, timeoutMs: 2_000 });
      if (served.serialNumber.toLowerCase().replace(/^0+(?=.)/, "") === wanted) return { elapsedMs: performance.now() - started, handshakes };
      last = `serial ${served.serialNumber.toLowerCase()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (performance.now() - started > options.timeoutMs) {
      throw new Error(`nginx did not serve serial ${wanted} for ${options.servername} within ${options.timeoutMs} ms (last: ${last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 20));
  }
}
