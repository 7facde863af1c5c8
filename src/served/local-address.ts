// Where a connection for a host name arrives on this machine: the address the name resolves to when that address is
// one of this host's own (IPv6 first, as Let's Encrypt prefers it), else nothing (the caller uses the listen address).
import { lookup } from "node:dns/promises";
import { networkInterfaces } from "node:os";

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
export async function resolveLocalAddresses(names: readonly string[], options: { lookup?: Lookup; timeoutMs?: number } = {}): Promise<Map<string, string | undefined>> {
  const own = localAddresses();
  const resolve = options.lookup ?? systemLookup;
  const entries = await Promise.all(
    [...new Set(names)].map(async (name): Promise<[string, string | undefined]> => {
      const timeout = new Promise<undefined>((done) => setTimeout(() => done(undefined), options.timeoutMs ?? 3_000).unref());
      const found = await Promise.race([resolve(name).catch(() => undefined), timeout]);
      const local = (found ?? []).filter((entry) => isLocal(entry.address, own)).sort((a, b) => b.family - a.family);
      return [name, local[0]?.address];
    }),
  );
  return new Map(entries);
}
