// Does a server block answer for a name? nginx's server_name matching: exact names (case-insensitive), "*.example.com"
// and ".example.com" wildcards, "www.example.*", and "~" regular expressions (PCRE, tried as JavaScript regexps).
import type { ServerBlock } from "./http-servers.js";

export function serverNameMatches(pattern: string, name: string): boolean {
  const host = name.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.startsWith("~")) {
    try {
      return new RegExp(pattern.slice(1), "i").test(host);
    } catch {
      return false;
    }
  }
  if (p.startsWith(".")) return host === p.slice(1) || host.endsWith(p);
  if (p.startsWith("*.")) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
  if (p.endsWith(".*")) return host.startsWith(p.slice(0, -1)) && host.length > p.length - 1;
  return host === p;
}

/** Blocks listening on one of `ports` that name `name` in their server_name. */
export function findServersForName(blocks: readonly ServerBlock[], name: string, ports: readonly number[]): ServerBlock[] {
  return blocks.filter((block) => block.listens.some((listen) => ports.includes(listen.port)) && block.serverNames.some((pattern) => serverNameMatches(pattern, name)));
}
