// The TCP endpoints nginx will bind, and whether a listening socket stands in their way or serves them. Pure: the
// listen directives and the host's sockets come in as data (see listening-sockets.ts and nginx-endpoints.ts).
import { isIP } from "node:net";

export interface Endpoint {
  family: 4 | 6;
  /** "0.0.0.0" and "::" are every address of the family. */
  address: string;
  port: number;
}

export interface SocketHolder {
  pid: number;
  program: string;
}

export interface ListeningSocket extends Endpoint {
  /**
   * For an IPv6 socket: true when it accepts IPv6 only, false when it also takes IPv4 (`*:80` in ss), undefined when
   * it cannot be told (read from /proc).
   */
  v6only: boolean | undefined;
  /** Empty when the owner cannot be seen (another PID namespace, no permission). */
  holders: SocketHolder[];
}

const WILDCARD = { 4: "0.0.0.0", 6: "::" } as const;

export function isWildcard(endpoint: Endpoint): boolean {
  return endpoint.address === WILDCARD[endpoint.family];
}

export function renderEndpoint(endpoint: Endpoint): string {
  return endpoint.family === 6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** As ss shows it: a dual-stack socket on [::] is "*:80", which takes IPv4 too. */
export function renderSocket(socket: ListeningSocket): string {
  return socket.family === 6 && isWildcard(socket) && socket.v6only === false ? `*:${socket.port} (IPv4 and IPv6)` : renderEndpoint(socket);
}

/** A listen address as nginx's parser reports it ("*", "[::]", "127.0.0.1", "[::1]"); undefined for a host name. */
export function endpointOf(address: string, port: number): Endpoint | undefined {
  if (address === "*") return { family: 4, address: WILDCARD[4], port };
  const bare = address.replace(/^\[(.*)\]$/, "$1");
  const family = isIP(bare);
  if (family === 4) return { family: 4, address: bare, port };
  if (family === 6) return { family: 6, address: normalizeIpv6(bare), port };
  return undefined;
}

/** The sockets nginx binds for these listens: one wildcard per family and port serves every address of it. */
export function endpointsToBind(listens: readonly Endpoint[]): Endpoint[] {
  const unique = new Map(listens.map((endpoint) => [renderEndpoint(endpoint), endpoint]));
  const wildcards = new Set([...unique.values()].filter(isWildcard).map((endpoint) => `${endpoint.family}/${endpoint.port}`));
  return [...unique.values()]
    .filter((endpoint) => isWildcard(endpoint) || !wildcards.has(`${endpoint.family}/${endpoint.port}`))
    .sort((a, b) => a.port - b.port || a.family - b.family || a.address.localeCompare(b.address));
}

/** An IPv6 socket bound to an IPv4-mapped address (::ffff:a.b.c.d) is an IPv4 socket as far as binding goes. */
function asBound(socket: ListeningSocket): ListeningSocket {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(socket.address)?.[1];
  return socket.family === 6 && mapped !== undefined ? { ...socket, family: 4, address: mapped, v6only: undefined } : socket;
}

/** Would a socket already listening here make binding `wanted` fail? nginx binds [::] with ipv6only=on. */
export function blocks(listening: ListeningSocket, wanted: Endpoint): boolean {
  const socket = asBound(listening);
  if (socket.port !== wanted.port) return false;
  if (socket.family === wanted.family) return isWildcard(socket) || isWildcard(wanted) || socket.address === wanted.address;
  // A dual-stack socket on [::] takes IPv4 too (and may, when /proc cannot say whether it is IPv6-only).
  return wanted.family === 4 && isWildcard(socket) && socket.v6only !== true;
}

/** Does this socket accept connections for `wanted` (the endpoint itself, or the wildcard covering it)? */
export function serves(listening: ListeningSocket, wanted: Endpoint): boolean {
  const socket = asBound(listening);
  if (socket.port !== wanted.port) return false;
  if (socket.family === wanted.family) return isWildcard(socket) || socket.address === wanted.address;
  // Only a socket known to be dual-stack serves IPv4 from [::].
  return wanted.family === 4 && isWildcard(socket) && socket.v6only === false;
}

export interface PortConflict {
  wanted: Endpoint;
  socket: ListeningSocket;
}

/** Sockets held by anything but `isOurs` (the nginx this configuration belongs to) that would stop nginx binding. */
export function findPortConflicts(wanted: readonly Endpoint[], sockets: readonly ListeningSocket[], isOurs: (holder: SocketHolder) => boolean): PortConflict[] {
  return wanted.flatMap((endpoint) =>
    sockets.filter((socket) => blocks(socket, endpoint) && !(socket.holders.length > 0 && socket.holders.every(isOurs))).map((socket) => ({ wanted: endpoint, socket })),
  );
}

/** The endpoints no socket of ours serves. */
export function findUnserved(wanted: readonly Endpoint[], sockets: readonly ListeningSocket[], isOurs: (holder: SocketHolder) => boolean): Endpoint[] {
  return wanted.filter((endpoint) => !sockets.some((socket) => serves(socket, endpoint) && socket.holders.some(isOurs)));
}

/** "python3 (pid 812)", "nginx (pids 40, 41)", or what to suspect when the owner is not visible. */
export function renderHolders(holders: readonly SocketHolder[]): string {
  if (holders.length === 0) return "a process this system does not name (in another container or PID namespace?)";
  const byProgram = new Map<string, number[]>();
  for (const holder of holders) byProgram.set(holder.program, [...new Set([...(byProgram.get(holder.program) ?? []), holder.pid])]);
  return [...byProgram]
    .map(([program, pids]) => `${program} (${pids.length === 1 ? "pid" : "pids"} ${pids.sort((a, b) => a - b).join(", ")})`)
    .join(" and ");
}

/** The canonical text of an IPv6 address (as ss and the kernel print it): lower case, longest zero run as "::". */
export function normalizeIpv6(address: string): string {
  const withoutZone = address.replace(/%.*$/, "");
  const mapped = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(withoutZone);
  let text = withoutZone.toLowerCase();
  if (mapped) {
    const bytes = mapped[2]!.split(".").map(Number);
    text = `${mapped[1]!.toLowerCase()}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const groups = tail === undefined ? headGroups : [...headGroups, ...new Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  const words = groups.map((group) => parseInt(group, 16));
  if (mapped || (words.slice(0, 5).every((word) => word === 0) && words[5] === 0xffff)) {
    return `::ffff:${words[6]! >> 8}.${words[6]! & 255}.${words[7]! >> 8}.${words[7]! & 255}`;
  }
  return compressIpv6(words);
}

function compressIpv6(words: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = words.map((word) => word.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}
