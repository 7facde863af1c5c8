// Where a connection for a host name arrives on this machine: the address the name resolves to when that address is
// one of this host's own (IPv6 first, as Let's Encrypt prefers it), else nothing (the caller uses the listen address).
// Thousands of names are looked up a few at a time (getaddrinfo runs on libuv's four threads: more at once only
// queue, and time out while queued), within an overall budget: a slow resolver costs doctor seconds, not minutes,
// and a name not looked up in time is treated as one that does not resolve here.
import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";
import { mapBounded } from "./map-bounded.js";

export type Lookup = (name: string) => Promise<{ address: string; family: number }[]>;

const systemLookup: Lookup = (name) => lookup(name, { all: true, verbatim: true });

function localAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const entry of list ?? []) addresses.add(entry.address.toLowerCase());
  return addresses;
}

function isLocal(address: string, own: Set<string>): boolean {
  // All of 127.0.0.0/8 is this host, though only 127.0.0.1 is on the interface.
  return own.has(address.toLowerCase()) || address.startsWith("127.") || address === "::1";
}

/** For each name, the local address it resolves to, or undefined (not resolvable, or resolves elsewhere). */
const LOOKUP_CONCURRENCY = 4;
const LOOKUP_BUDGET_MS = 20_000;

export async function resolveLocalAddresses(
  names: readonly string[],
  options: { lookup?: Lookup; timeoutMs?: number; budgetMs?: number; concurrency?: number } = {},
): Promise<Map<string, string | undefined>> {
  const own = localAddresses();
  const resolve = options.lookup ?? systemLookup;
  const deadline = Date.now() + (options.budgetMs ?? LOOKUP_BUDGET_MS);
  const entries = await mapBounded(
    [...new Set(names)],
    options.concurrency ?? LOOKUP_CONCURRENCY,
    async (name): Promise<[string, string | undefined]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((done) => {
        timer = setTimeout(() => done(undefined), Math.max(1, Math.min(options.timeoutMs ?? 3_000, deadline - Date.now())));
        timer.unref();
      });
      const found = await Promise.race([resolve(name).catch(() => undefined), timeout]);
      clearTimeout(timer);
      const local = (found ?? []).filter((entry) => isLocal(entry.address, own)).sort((a, b) => b.family - a.family);
      return [name, local[0]?.address];
    },
    { deadline, late: (name): [string, string | undefined] => [name, undefined] },
  );
  return new Map(entries);
}
