// The http server blocks of an assembled configuration as nginx sees them when a connection arrives: where each
// listens (nginx's implicit `listen 80` included), which names it claims, in configuration order.
import type { ConfigTree, ConfNode } from "./config-tree.js";
import { listServerNodes } from "./config-tree.js";
import { parseListen, type Listen } from "./http-servers.js";

export interface VirtualServer {
  /** Position in configuration order: the first server on a socket is its implicit default. */
  index: number;
  node: ConfNode;
  file: string;
  line: number;
  listens: (Listen & { line: number })[];
  /** server_name values as nginx stores them: lower case, except regular expressions. */
  names: string[];
}

export function describeServers(tree: ConfigTree): VirtualServer[] {
  return listServerNodes(tree).map((node, index) => {
    const body = node.block ?? [];
    const listens = body.flatMap((directive) => {
      const listen = directive.name === "listen" ? parseListen(directive.args) : undefined;
      return listen ? [{ ...listen, address: normalizeAddress(listen.address), line: directive.line }] : [];
    });
    const hasListen = body.some((directive) => directive.name === "listen");
    return {
      index,
      node,
      file: node.file,
      line: node.line,
      // nginx's default when a server has no listen directive (running as root).
      listens: hasListen ? listens : [{ address: "*", port: 80, defaultServer: false, ssl: false, line: node.line }],
      names: body.filter((directive) => directive.name === "server_name").flatMap((directive) => directive.args.map(normalizeServerName)),
    };
  });
}

function normalizeServerName(name: string): string {
  return name.startsWith("~") ? name : name.toLowerCase();
}

/** "0.0.0.0" and "*" are the IPv4 wildcard; IPv6 is bracketed; "localhost" is what it resolves to for nginx. */
export function normalizeAddress(address: string): string {
  if (address === "0.0.0.0" || address === "*") return "*";
  if (address === "localhost") return "127.0.0.1";
  if (address.includes(":") && !address.startsWith("[")) return `[${address.toLowerCase()}]`;
  return address.toLowerCase();
}

/** The first name of a server, what `$server_name` holds (empty when it has none). */
export function primaryName(server: VirtualServer): string {
  return server.names[0] ?? "";
}

/** The listen socket on `port` that a connection to `address` lands on: the exact address, else the wildcard. */
export function socketFor(servers: readonly VirtualServer[], address: string, port: number): string | undefined {
  const wanted = normalizeAddress(address);
  const bound = new Set(servers.flatMap((server) => server.listens.filter((listen) => listen.port === port).map((listen) => listen.address)));
  if (bound.has(wanted)) return wanted;
  const wildcard = wanted.startsWith("[") ? "[::]" : "*";
  return bound.has(wildcard) ? wildcard : undefined;
}

/** Servers with a listen on exactly this socket, in configuration order. */
export function serversOnSocket(servers: readonly VirtualServer[], socket: string, port: number): VirtualServer[] {
  return servers.filter((server) => server.listens.some((listen) => listen.port === port && listen.address === socket));
}

/** The addresses a client can reach nginx at on `port`: each specific listen address, loopback for a wildcard. */
export function reachableAddresses(servers: readonly VirtualServer[], port: number): string[] {
  const addresses = new Set<string>();
  for (const server of servers) {
    for (const listen of server.listens) {
      if (listen.port !== port) continue;
      if (listen.address === "*") addresses.add("127.0.0.1");
      else if (listen.address === "[::]") addresses.add("::1");
      else addresses.add(listen.address.replace(/^\[(.*)\]$/, "$1"));
    }
  }
  return [...addresses];
}
