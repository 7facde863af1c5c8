// Pebble, the local ACME CA: HTTPS on loopback with our own certificate, HTTP-01 checked on the world's nginx port.
import { request } from "node:https";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { describeStartFailure, startChild, type Child } from "./child-process.js";
import type { PebbleTls } from "./pebble-tls.js";
import { waitFor } from "./wait.js";

export interface PebbleOptions {
  program: string;
  dir: string;
  logDir: string;
  tls: PebbleTls;
  port: number;
  managementPort: number;
  /** Where Pebble's VA connects for HTTP-01: the world's nginx. */
  httpPort: number;
  /** TLS-ALPN-01 port; unused, but Pebble wants one. */
  tlsPort: number;
  dnsPort: number;
  /** Lifetime of issued certificates in seconds; Pebble's default is 5 years. */
  certificateValidityPeriod?: number;
  env: Record<string, string | undefined>;
  timeoutMs?: number;
  /** See ChildOptions.detached. */
  detached?: boolean;
}

export interface Pebble {
  child: Child;
  directoryUrl: string;
}

export function renderPebbleConfig(options: PebbleOptions): string {
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${options.port}`,
      managementListenAddress: `127.0.0.1:${options.managementPort}`,
      certificate: options.tls.certFile,
      privateKey: options.tls.keyFile,
      httpPort: options.httpPort,
      tlsPort: options.tlsPort,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
      ...(options.certificateValidityPeriod === undefined ? {} : { certificateValidityPeriod: options.certificateValidityPeriod }),
    },
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}

/** GET over HTTPS trusting only `ca`; resolves with the status code. */
function fetchStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca, timeout: 2_000 }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy(new Error("request timed out")));
    req.on("error", reject);
    req.end();
  });
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const configFile = path.join(options.dir, "pebble-config.json");
  await writeFile(configFile, renderPebbleConfig(options));
  const child = startChild({
    name: "pebble",
    program: options.program,
    args: ["-config", configFile, "-dnsserver", `127.0.0.1:${options.dnsPort}`],
    env: {
      ...options.env,
      // Validate at once instead of sleeping up to 15 s, and never reject a good nonce: runs stay fast and
      // deterministic. Never reuse a valid authorization, so every order (renewals too) really fetches its
      // challenge through nginx, the path ngcert exists to keep working.
      PEBBLE_VA_NOSLEEP: "1",
      PEBBLE_WFE_NONCEREJECT: "0",
      PEBBLE_AUTHZREUSE: "0",
    },
    logFile: path.join(options.logDir, "pebble.log"),
    cwd: options.dir,
    detached: options.detached,
  });
  const directoryUrl = `https://127.0.0.1:${options.port}/dir`;
  try {
    await waitFor(async () => ((await fetchStatus(directoryUrl, options.tls.caPem)) === 200 ? true : undefined), {
      what: `Pebble's directory ${directoryUrl}`,
      timeoutMs: options.timeoutMs ?? 15_000,
      intervalMs: 100,
      abort: child.exitReason,
    });
  } catch (error) {
    await child.stop();
    throw describeStartFailure(child, error);
  }
  return { child, directoryUrl };
}
