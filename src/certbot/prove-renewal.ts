// The proof that a lineage renews: `certbot renew --dry-run --cert-name NAME` against the lineage's CA (Let's
// Encrypt's staging CA for a Let's Encrypt lineage, which certbot picks itself; the lineage's own server otherwise),
// for migrate's rewritten confs and for the failure budget's first attempt after a failure. Nothing in live/ or
// archive/ changes, and certbot skips deploy hooks on a dry run.
import { commonCertbotArgs } from "./certbot-args.js";
import type { RenewalConf } from "./renewal-conf.js";
import type { Exec } from "../exec.js";
import { LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING } from "../settings/definitions.js";
import type { Settings } from "../settings/settings.js";

/** Set for certbot's dry runs (`ngcert renew --dry-run`, migrate's proof): ngcert's hooks then report without reloading nginx. */
export const DRY_RUN_ENV = "NGCERT_DRY_RUN";

export interface RenewalProof {
  ok: boolean;
  command: string[];
  /** certbot's own account of a failure: the Domain / Type / Detail lines the CA sent, else its last lines. */
  reason: string;
  /** Everything certbot said. */
  output: string;
}

export function dryRunArgs(settings: Settings, name: string, conf: RenewalConf): string[] {
  const server = conf.server ?? settings.server;
  const letsEncrypt = server === LETS_ENCRYPT_PRODUCTION || server === LETS_ENCRYPT_STAGING;
  return ["renew", "--dry-run", "--cert-name", name, "--no-random-sleep-on-renew", ...commonCertbotArgs(settings), ...(letsEncrypt ? [] : ["--server", server])];
}

/** The CA's reasons from certbot's output ("Domain: x / Type: unauthorized / Detail: ..."), or its last lines. */
export function caReason(output: string): string {
  const blocks = [...output.matchAll(/^\s*Domain:\s*(.+)\n\s*Type:\s*(.+)\n\s*Detail:\s*(.+)$/gm)].map((match) => `${match[1]!.trim()}: ${match[2]!.trim()}: ${match[3]!.trim()}`);
  if (blocks.length > 0) return blocks.join("\n");
  return output.trim().split("\n").slice(-6).join("\n");
}

export async function proveRenewal(settings: Settings, exec: Exec, name: string, conf: RenewalConf, env: Record<string, string | undefined>): Promise<RenewalProof> {
  const args = dryRunArgs(settings, name, conf);
  const result = await exec(settings.certbotBin, args, { allowFailure: true, env: { ...env, [DRY_RUN_ENV]: "1" }, timeoutMs: 300_000 });
  const output = `${result.stdout}\n${result.stderr}`;
  return { ok: result.exitCode === 0, command: [settings.certbotBin, ...args], reason: result.exitCode === 0 ? "" : caReason(output), output };
}
