// Free loopback ports for a local world's servers, picked below Linux's ephemeral range so outgoing connections never take them.
import { createServer } from "node:net";
import { createSocket } from "node:dgram";

// 20000-32767 sits under the default ip_local_port_range (32768-60999): a port we checked stays free until the
// child binds it, unless another world picks the same one, which the random start makes unlikely.
const LOW = 20_000;
const HIGH = 32_767;
const ATTEMPTS = 200;

function isTcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: "127.0.0.1", port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function isUdpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket("udp4");
    socket.once("error", () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: "127.0.0.1", port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}

export interface PortRequest {
  /** Also free for UDP (a DNS server binds both). */
  udp?: boolean;
}

/** Distinct ports on 127.0.0.1 that are free right now, one per request. */
export async function findFreePorts(requests: readonly PortRequest[]): Promise<number[]> {
  const ports: number[] = [];
  for (const request of requests) {
    let found: number | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && found === undefined; attempt++) {
      const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
      if (ports.includes(port)) continue;
      if (!(await isTcpFree(port))) continue;
      if (request.udp && !(await isUdpFree(port))) continue;
      found = port;
    }
    if (found === undefined) throw new Error(`no free port on 127.0.0.1 between ${LOW} and ${HIGH} after ${ATTEMPTS} attempts`);
    ports.push(found);
  }
  return ports;
}
