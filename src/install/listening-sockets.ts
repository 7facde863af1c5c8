// Which program holds which listening TCP socket on this host: `ss -Hltnp` (iproute2) when it is installed, else the
// kernel's tables in /proc/net/tcp{,6} matched to /proc/<pid>/fd (minimal containers have no ss).
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { Exec } from "../exec.js";
import { normalizeIpv6, type ListeningSocket, type SocketHolder } from "./endpoints.js";

/** Parses `ss -Hltnp` (no header): local address in the fourth column, owners in users:((...)). */
export function parseSsListening(text: string): ListeningSocket[] {
  const sockets: ListeningSocket[] = [];
  for (const line of text.split("\n")) {
    const columns = line.trim().split(/\s+/);
    if (columns[0] !== "LISTEN" || columns.length < 5) continue;
    const local = columns[3]!;
    const colon = local.lastIndexOf(":");
    const host = local.slice(0, colon);
    const port = Number(local.slice(colon + 1));
    if (!Number.isInteger(port)) continue;
    const holders = [...line.matchAll(/\("((?:[^"\\]|\\.)*)",pid=(\d+),fd=\d+\)/g)].map((match) => ({ program: match[1]!, pid: Number(match[2]) }));
    if (host === "*") {
      // ss prints an IPv6 socket on [::] that also takes IPv4 (IPV6_V6ONLY off) as "*".
      sockets.push({ family: 6, address: "::", port, v6only: false, holders });
    } else if (host.startsWith("[")) {
      sockets.push({ family: 6, address: normalizeIpv6(host.slice(1, -1)), port, v6only: true, holders });
    } else {
      sockets.push({ family: 4, address: host.replace(/%.*$/, ""), port, v6only: undefined, holders });
    }
  }
  return sockets;
}

export interface ProcSocket {
  family: 4 | 6;
  address: string;
  port: number;
  inode: number;
}

/** Parses /proc/net/tcp or tcp6: the listening sockets (state 0A) with their inode. Addresses are in host byte order words. */
export function parseProcNetTcp(text: string, family: 4 | 6): ProcSocket[] {
  const sockets: ProcSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== "0A") continue;
    const [hexAddress, hexPort] = fields[1]!.split(":");
    const words = hexAddress!.match(/.{8}/g)!.map((word) => word.match(/../g)!.reverse().join(""));
    const address =
      family === 4
        ? words[0]!.match(/../g)!.map((byte) => parseInt(byte, 16)).join(".")
        : normalizeIpv6(words.flatMap((word) => [word.slice(0, 4), word.slice(4)]).join(":"));
    sockets.push({ family, address, port: parseInt(hexPort!, 16), inode: Number(fields[9]) });
  }
  return sockets;
}

/** Every listening TCP socket and who holds it. */
export async function readListeningSockets(exec: Exec): Promise<ListeningSocket[]> {
  const ss = await exec("ss", ["-Hltnp"], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  if (ss && ss.exitCode === 0) return parseSsListening(ss.stdout);
  return readListeningSocketsFromProc();
}

/** Without ss: the kernel's socket tables, and each process's file descriptors for the owners. */
export function readListeningSocketsFromProc(): ListeningSocket[] {
  const sockets: ProcSocket[] = [];
  for (const [file, family] of [["/proc/net/tcp", 4], ["/proc/net/tcp6", 6]] as const) {
    try {
      sockets.push(...parseProcNetTcp(readFileSync(file, "utf8"), family));
    } catch {
      // no IPv6 in this kernel
    }
  }
  const holders = socketHolders(new Set(sockets.map((socket) => socket.inode)));
  return sockets.map(({ inode, ...endpoint }) => ({ ...endpoint, v6only: undefined, holders: holders.get(inode) ?? [] }));
}

/** inode → the processes with a file descriptor on that socket. */
function socketHolders(inodes: Set<number>): Map<number, SocketHolder[]> {
  const found = new Map<number, SocketHolder[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = Number(/^socket:\[(\d+)\]$/.exec(target)?.[1]);
      if (!inodes.has(inode)) continue;
      const program = readProgramName(pid);
      found.set(inode, [...(found.get(inode) ?? []), { pid, program }]);
    }
  }
  return found;
}

/** The short name ss shows (/proc/<pid>/comm). */
export function readProgramName(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "?";
  }
}
