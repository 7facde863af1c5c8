// Where ngcert asks nginx for the certificate it serves: the listen address when one is set, else loopback.
import type { Settings } from "../settings/settings.js";
import type { ServedTarget } from "./probe-served.js";

/** The address nginx answers on locally: the listen address when one is set, else loopback. */
export function localAddress(settings: Settings): string {
  return settings.listenAddress === "" ? "127.0.0.1" : settings.listenAddress;
}

export function servedTarget(settings: Settings): ServedTarget {
  return { host: localAddress(settings), port: settings.httpsPort };
}

/** The names to ask for: the server names of the blocks using the certificate that it covers, else all it covers. */
export function namesToProbe(certificateDomains: readonly string[], serverNames: readonly string[]): string[] {
  const covered = new Set(certificateDomains.map((domain) => domain.toLowerCase()));
  const named = [...new Set(serverNames.map((name) => name.toLowerCase()).filter((name) => covered.has(name)))];
  return named.length > 0 ? named : certificateDomains.filter((domain) => !domain.startsWith("*."));
}
