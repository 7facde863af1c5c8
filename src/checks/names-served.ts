// Which server blocks already answer for a name, on which port and socket, by which server_name entry: what `add`
// must know before it writes a site for a name the owner already serves (nginx would warn "conflicting server name"
// and keep the first).
import { selectServer } from "../nginx/select-server.js";
import type { VirtualServer } from "../nginx/virtual-servers.js";

export interface NameClaim {
  server: VirtualServer;
  port: number;
  /** The listen socket: "*", "[::]" or an address. */
  socket: string;
  /** The server_name entry that matches the name ("*.example.com", "~^app\\d+"). */
  matchedName: string;
  how: "exact" | "leading-wildcard" | "trailing-wildcard" | "regex";
  /** Other blocks on the same socket that claim the name too; nginx ignores them for it. */
  shadowed: VirtualServer[];
}

/** For each port, each socket a server listens on: the block that answers `name` there by server_name (not as default). */
export function findServersForName(servers: readonly VirtualServer[], name: string, ports: readonly number[]): NameClaim[] {
  const claims: NameClaim[] = [];
  for (const port of ports) {
    const sockets = [...new Set(servers.flatMap((server) => server.listens.filter((listen) => listen.port === port).map((listen) => listen.address)))];
    for (const socket of sockets) {
      const selection = selectServer(servers, { address: socket, port, host: name });
      if (!selection.server || selection.matchedName === undefined || selection.how === undefined || selection.how === "default_server" || selection.how === "implicit-default") continue;
      claims.push({ server: selection.server, port, socket, matchedName: selection.matchedName, how: selection.how, shadowed: selection.shadowed });
    }
  }
  return claims;
}
