// What the test CA saw and who it is: orders and HTTP-01 validation attempts read from Pebble's log, and its current
// intermediate from its management interface, so a test can prove "the CA never saw an order" or "Pebble issued this".
import { X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { request } from "node:https";
import path from "node:path";
import type { World } from "./world.js";

export interface PebbleActivity {
  /** Order ids, oldest first. */
  orders: string[];
  /** Host names Pebble's VA tried to fetch an HTTP-01 token for (once per attempt). */
  validatedNames: string[];
  /** Serials of issued certificates, oldest first. */
  issuedSerials: string[];
}

export async function readPebbleActivity(world: World): Promise<PebbleActivity> {
  const log = await readFile(path.join(world.dirs.processLogs, "pebble.log"), "utf8");
  const all = (pattern: RegExp): string[] => [...log.matchAll(pattern)].map((match) => match[1]!);
  return {
    orders: all(/Added order "([^"]+)" to the db/g),
    validatedNames: all(/Attempting to validate w\/ HTTP: http:\/\/([^:/]+)[:/]/g),
    issuedSerials: all(/Issued certificate serial ([0-9a-f]+) for order/g),
  };
}

/** Pebble's intermediate (the issuer of every leaf), from the management interface, trusting only the world's CA. */
export async function fetchPebbleIntermediate(world: World): Promise<X509Certificate> {
  const ca = await readFile(world.caFile, "utf8");
  const pem = await new Promise<string>((resolve, reject) => {
    const req = request(`https://127.0.0.1:${world.ports.pebbleManagement}/intermediates/0`, { ca, timeout: 5_000 }, (response) => {
      let body = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`Pebble's management interface answered ${response.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error("Pebble's management interface timed out")));
    req.on("error", reject);
    req.end();
  });
  return new X509Certificate(pem);
}
