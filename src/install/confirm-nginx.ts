// After nginx started or reloaded: does it really listen on every endpoint its configuration names, and does the
// challenge path answer through it on IPv4 and IPv6 (when the host has them)? A reload signal is acknowledged before
// nginx has bound anything, and a bind that fails during a reload leaves the old sockets in place without an error
// anyone sees, so this is observed, never assumed.
import { setTimeout as sleep } from "node:timers/promises";
import type { Exec } from "../exec.js";
import { probeAcmePath } from "../served/probe-acme-path.js";
import type { Settings } from "../settings/settings.js";
import { blocks, findUnserved, type Endpoint, type ListeningSocket } from "./endpoints.js";
import { readListeningSockets } from "./listening-sockets.js";
import { findRunningNginx, nginxEndpoints, readLastNginxError, readNginxConfig } from "./nginx-endpoints.js";

/** The Host header of the probe: a name no server block claims, so it reaches ngcert's default_server. */
const PROBE_HOST = "ngcert-install-check.invalid";

export type Confirmation =
  | { kind: "confirmed"; nginxPid: number; endpoints: Endpoint[]; probed: string[] }
  | { kind: "not-running" }
  | { kind: "not-listening"; nginxPid: number; missing: { endpoint: Endpoint; heldBy: ListeningSocket[] }[]; lastError: string | undefined }
  | { kind: "challenge-failed"; nginxPid: number; failures: { address: string; seen: string }[] };

export interface ConfirmOptions {
  /** Also fetch a probe file through nginx (only once ngcert's catch-all is in place). */
  probeChallenge: boolean;
  /** How long nginx may take to bind after a start or reload. */
  timeoutMs: number;
}

export async function confirmNginx(settings: Settings, exec: Exec, options: ConfirmOptions): Promise<Confirmation> {
  const dump = await readNginxConfig(settings, exec);
  const endpoints = await nginxEndpoints(dump, settings, false);
  const deadline = Date.now() + options.timeoutMs;
  // A probe that fails once nginx holds its sockets is asked again for a moment (workers starting), not until the deadline.
  let probeDeadline: number | undefined;
  for (;;) {
    const nginx = findRunningNginx(dump);
    const sockets = await readListeningSockets(exec);
    const missing = nginx ? findUnserved(endpoints, sockets, nginx.isOwn) : endpoints;
    if (nginx && missing.length === 0) {
      if (!options.probeChallenge) return { kind: "confirmed", nginxPid: nginx.pid, endpoints, probed: [] };
      const failures = await probeEveryFamily(settings, endpoints);
      if (failures.length === 0) return { kind: "confirmed", nginxPid: nginx.pid, endpoints, probed: probeAddresses(settings, endpoints) };
      probeDeadline ??= Math.min(deadline, Date.now() + 1_500);
      if (Date.now() >= probeDeadline) return { kind: "challenge-failed", nginxPid: nginx.pid, failures };
    } else if (Date.now() >= deadline) {
      if (!nginx) return { kind: "not-running" };
      return {
        kind: "not-listening",
        nginxPid: nginx.pid,
        missing: missing.map((endpoint) => ({ endpoint, heldBy: sockets.filter((socket) => blocks(socket, endpoint) && !socket.holders.some(nginx.isOwn)) })),
        lastError: readLastNginxError(dump),
      };
    }
    await sleep(200);
  }
}

/** Loopback on each family nginx listens on for HTTP, or the one listen address. */
function probeAddresses(settings: Settings, endpoints: readonly Endpoint[]): string[] {
  if (settings.listenAddress !== "") return [settings.listenAddress];
  const http = endpoints.filter((endpoint) => endpoint.port === settings.httpPort);
  return [...(http.some((e) => e.family === 4) ? ["127.0.0.1"] : []), ...(http.some((e) => e.family === 6 && (e.address === "::" || e.address === "::1")) ? ["::1"] : [])];
}

async function probeEveryFamily(settings: Settings, endpoints: readonly Endpoint[]): Promise<{ address: string; seen: string }[]> {
  const failures: { address: string; seen: string }[] = [];
  const addresses = probeAddresses(settings, endpoints);
  if (addresses.length === 0) return [{ address: `port ${settings.httpPort}`, seen: "nginx's configuration does not listen on the HTTP port" }];
  for (const address of addresses) {
    const [result] = await probeAcmePath({ webroot: settings.webroot, domains: [PROBE_HOST], httpPort: settings.httpPort, httpsPort: settings.httpsPort, addressFor: () => address, timeoutMs: 5_000 });
    // The request's URL (a made-up host name and a token) says nothing here: the address and the answer do.
    const first = result?.hops[0];
    const prefix = first ? `${first.url} (${first.address}): ` : "";
    if (result && !result.ok) failures.push({ address, seen: result.seen.startsWith(prefix) ? result.seen.slice(prefix.length) : result.seen });
  }
  return failures;
}
