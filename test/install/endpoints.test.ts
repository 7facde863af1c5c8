// The port logic install.sh relies on, judged by the kernel: sockets this test binds itself (high loopback-free
// ports, every address family and IPV6_V6ONLY setting nginx and other programs use) must be found by ss and by the
// /proc fallback with this process as the owner; and `blocks` must say "in the way" exactly when a real bind of the
// endpoint nginx wants fails with EADDRINUSE.
import { createServer, type Server } from "node:net";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execProgram } from "../../src/exec.js";
import {
  blocks,
  endpointOf,
  endpointsToBind,
  findPortConflicts,
  findUnserved,
  normalizeIpv6,
  renderHolders,
  renderSocket,
  serves,
  type Endpoint,
  type ListeningSocket,
} from "../../src/install/endpoints.js";
import { parseProcNetTcp, parseSsListening, readListeningSockets, readListeningSocketsFromProc } from "../../src/install/listening-sockets.js";

const hasIpv6 = (() => {
  try {
    return readFileSync("/proc/net/if_inet6", "utf8").trim() !== "";
  } catch {
    return false;
  }
})();

interface Bound {
  server: Server;
  family: 4 | 6;
  host: string;
  port: number;
  ipv6Only: boolean;
}

function listen(host: string, port: number, ipv6Only = false): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port, ipv6Only, exclusive: true }, () => resolve(server));
  });
}

/** Binds like nginx: SO_REUSEADDR (node sets it), IPV6_V6ONLY on for IPv6. Resolves with the error code, or "ok". */
async function tryBind(endpoint: Endpoint): Promise<string> {
  try {
    const server = await listen(endpoint.address, endpoint.port, endpoint.family === 6);
    await new Promise((resolve) => server.close(resolve));
    return "ok";
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? "error";
  }
}

/** A port nobody uses: the kernel picks it. */
async function freePort(): Promise<number> {
  const server = await listen("127.0.0.1", 0);
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("listening sockets, as ss and /proc report them", () => {
  const bound: Bound[] = [];
  beforeAll(async () => {
    const specs: [4 | 6, string, boolean][] = [
      [4, "0.0.0.0", false],
      [4, "127.0.0.1", false],
      ...(hasIpv6
        ? ([
            [6, "::", true],
            [6, "::", false],
            [6, "::1", true],
          ] as [4 | 6, string, boolean][])
        : []),
    ];
    for (const [family, host, ipv6Only] of specs) {
      const port = await freePort();
      bound.push({ server: await listen(host, port, ipv6Only), family, host, port, ipv6Only });
    }
  });
  afterAll(async () => {
    for (const { server } of bound) await new Promise((resolve) => server.close(resolve));
  });

  const expected = (b: Bound): Partial<ListeningSocket> => ({ family: b.family, address: b.host, port: b.port });

  it("ss names this process as the owner of each socket, and tells dual-stack from IPv6-only", async () => {
    const sockets = await readListeningSockets(execProgram);
    for (const b of bound) {
      const found = sockets.filter((socket) => socket.port === b.port);
      expect(found, `${b.host}:${b.port}`).toHaveLength(1);
      expect(found[0]).toMatchObject(expected(b));
      expect(found[0]!.holders).toContainEqual({ pid: process.pid, program: expect.stringMatching(/^node/) });
      if (b.family === 6) expect(found[0]!.v6only).toBe(b.ipv6Only);
    }
  });

  it("the /proc fallback finds the same sockets and owners", () => {
    const sockets = readListeningSocketsFromProc();
    for (const b of bound) {
      const found = sockets.filter((socket) => socket.port === b.port);
      expect(found, `${b.host}:${b.port}`).toHaveLength(1);
      expect(found[0]).toMatchObject({ ...expected(b), v6only: undefined });
      expect(found[0]!.holders.map((holder) => holder.pid)).toContain(process.pid);
    }
  });
});

describe("blocks: in the way exactly when the kernel refuses nginx's bind", () => {
  const holders: [string, 4 | 6, string, boolean][] = [
    ["0.0.0.0", 4, "0.0.0.0", false],
    ["127.0.0.1", 4, "127.0.0.1", false],
    ["[::] IPv6 only", 6, "::", true],
    ["*, dual-stack", 6, "::", false],
    ["[::1]", 6, "::1", true],
    ["[::ffff:127.0.0.1]", 6, "::ffff:127.0.0.1", false],
  ];
  const wanted: [4 | 6, string][] = [
    [4, "0.0.0.0"],
    [4, "127.0.0.1"],
    [4, "127.0.0.2"],
    [6, "::"],
    [6, "::1"],
  ];
  for (const [name, family, host, ipv6Only] of holders) {
    it.skipIf(family === 6 && !hasIpv6)(`with ${name} held`, async () => {
      const port = await freePort();
      const server = await listen(host, port, ipv6Only);
      try {
        const socket = (await readListeningSockets(execProgram)).find((s) => s.port === port)!;
        expect(socket).toBeDefined();
        for (const [wantedFamily, address] of wanted) {
          if (wantedFamily === 6 && !hasIpv6) continue;
          const endpoint: Endpoint = { family: wantedFamily, address, port };
          const kernel = await tryBind(endpoint);
          expect(["ok", "EADDRINUSE"], `${address}: ${kernel}`).toContain(kernel);
          expect(blocks(socket, endpoint), `${renderSocket(socket)} vs ${address}:${port}: the kernel says ${kernel}`).toBe(kernel === "EADDRINUSE");
        }
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  }
});

describe("endpoints", () => {
  const socket = (family: 4 | 6, address: string, port: number, v6only?: boolean, pid = 10): ListeningSocket => ({ family, address, port, v6only, holders: [{ pid, program: "x" }] });

  it("reads nginx's listen addresses, and one wildcard per family and port stands for every address of it", () => {
    expect(endpointOf("*", 80)).toEqual({ family: 4, address: "0.0.0.0", port: 80 });
    expect(endpointOf("[::]", 80)).toEqual({ family: 6, address: "::", port: 80 });
    expect(endpointOf("[0:0::1]", 80)).toEqual({ family: 6, address: "::1", port: 80 });
    expect(endpointOf("localhost", 80)).toBeUndefined();
    const listens = [endpointOf("127.0.0.1", 80)!, endpointOf("*", 80)!, endpointOf("[::1]", 443)!, endpointOf("*", 80)!];
    expect(endpointsToBind(listens)).toEqual([
      { family: 4, address: "0.0.0.0", port: 80 },
      { family: 6, address: "::1", port: 443 },
    ]);
  });

  it("counts a socket held by this nginx as served, not as a conflict; an IPv6-only socket never serves IPv4", () => {
    const wanted = [endpointOf("*", 80)!, endpointOf("[::]", 80)!];
    const ours = (holder: { pid: number }) => holder.pid === 1;
    expect(findPortConflicts(wanted, [socket(4, "0.0.0.0", 80, undefined, 1), socket(6, "::", 80, true, 1)], ours)).toEqual([]);
    expect(findUnserved(wanted, [socket(6, "::", 80, true, 1)], ours)).toEqual([wanted[0]]);
    expect(findUnserved(wanted, [socket(6, "::", 80, false, 1)], ours)).toEqual([]);
    expect(findUnserved(wanted, [socket(6, "::", 80, undefined, 1)], ours)).toEqual([wanted[0]]);
    expect(findPortConflicts(wanted, [socket(6, "::", 80, false, 7)], ours).map((c) => c.wanted)).toEqual(wanted);
    expect(serves(socket(4, "0.0.0.0", 80), endpointOf("127.0.0.1", 80)!)).toBe(true);
  });

  it("names the owners as ss does, and says so when it cannot see them", () => {
    expect(renderHolders([{ pid: 41, program: "nginx" }, { pid: 40, program: "nginx" }, { pid: 7, program: "python3" }])).toBe("nginx (pids 40, 41) and python3 (pid 7)");
    expect(renderHolders([])).toMatch(/another container or PID namespace/);
    expect(renderSocket(socket(6, "::", 80, false))).toBe("*:80 (IPv4 and IPv6)");
    expect(renderSocket(socket(6, "::1", 80, true))).toBe("[::1]:80");
  });

  it("parses ss and /proc text, including addresses bound to a device and mapped IPv4", () => {
    const ss = [
      'LISTEN 0      511          0.0.0.0:80        0.0.0.0:*    users:(("nginx",pid=2,fd=6),("nginx",pid=1,fd=6))',
      'LISTEN 0      4096   127.0.0.1%lo:53        0.0.0.0:*    users:(("resolved",pid=9,fd=3))',
      "LISTEN 0      128          0.0.0.0:2024      0.0.0.0:*",
      'LISTEN 0      5                  *:8080            *:*    users:(("python3",pid=812,fd=5))',
      'LISTEN 0      5      [::ffff:127.0.0.1]:81      [::]:*    users:(("weird \\"name\\"",pid=3,fd=5))',
    ].join("\n");
    expect(parseSsListening(ss)).toEqual([
      { family: 4, address: "0.0.0.0", port: 80, v6only: undefined, holders: [{ program: "nginx", pid: 2 }, { program: "nginx", pid: 1 }] },
      { family: 4, address: "127.0.0.1", port: 53, v6only: undefined, holders: [{ program: "resolved", pid: 9 }] },
      { family: 4, address: "0.0.0.0", port: 2024, v6only: undefined, holders: [] },
      { family: 6, address: "::", port: 8080, v6only: false, holders: [{ program: "python3", pid: 812 }] },
      { family: 6, address: "::ffff:127.0.0.1", port: 81, v6only: true, holders: [{ program: 'weird \\"name\\"', pid: 3 }] },
    ]);
    const tcp = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1\n   1: 0100007F:0051 0100007F:C000 01 00000000:00000000 00:00000000 00000000     0        0 4243 1\n";
    expect(parseProcNetTcp(tcp, 4)).toEqual([{ family: 4, address: "127.0.0.1", port: 80, inode: 4242 }]);
    const tcp6 = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 00000000000000000000000001000000:01BB 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1\n";
    expect(parseProcNetTcp(tcp6, 6)).toEqual([{ family: 6, address: "::1", port: 443, inode: 777 }]);
  });

  it("writes IPv6 addresses as the kernel and ss do", () => {
    expect(normalizeIpv6("0:0:0:0:0:0:0:0")).toBe("::");
    expect(normalizeIpv6("FE80:0:0:0:0:0:0:1%eth0")).toBe("fe80::1");
    expect(normalizeIpv6("2001:db8:0:0:1:0:0:1")).toBe("2001:db8::1:0:0:1");
    expect(normalizeIpv6("::ffff:7f00:1")).toBe("::ffff:127.0.0.1");
    expect(normalizeIpv6("::FFFF:127.0.0.1")).toBe("::ffff:127.0.0.1");
  });
});
