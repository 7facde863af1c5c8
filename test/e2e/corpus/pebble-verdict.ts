// Pebble's actual verdict for each name: one real validation through the world's nginx (`certbot certonly --dry-run
// --webroot` on the shared webroot, no lineage written), each failing name with the CA's own reason.
import { runCertbot, describeCertbot } from "../../world/run-certbot.js";
import type { World } from "../../world/world.js";

export interface PebbleVerdict {
  ok: boolean;
  /** The CA's Type and Detail for a failure. */
  detail?: string;
}

export async function readPebbleVerdicts(world: World, domains: readonly string[]): Promise<Record<string, PebbleVerdict>> {
  const run = await runCertbot(world, "certonly", ["--dry-run", "--webroot", "-w", world.dirs.webroot, ...domains.flatMap((domain) => ["-d", domain]), "--cert-name", "ngcert-corpus-verdict", "--no-directory-hooks"]);
  const output = `${run.stdout}\n${run.stderr}`;
  const failures = new Map<string, string>();
  for (const match of output.matchAll(/^\s*Domain: (\S+)\n\s*Type:\s*(.+)\n\s*Detail:\s*(.+)$/gm)) failures.set(match[1]!, `${match[2]!.trim()}: ${match[3]!.trim()}`);
  if (run.exitCode !== 0 && failures.size === 0) throw new Error(`certbot failed without naming a domain:\n${describeCertbot(world, run)}`);
  if (run.exitCode === 0 && failures.size > 0) throw new Error(`certbot succeeded but named failures:\n${describeCertbot(world, run)}`);
  return Object.fromEntries(domains.map((domain) => [domain, failures.has(domain) ? { ok: false, detail: failures.get(domain)! } : { ok: true }]));
}
