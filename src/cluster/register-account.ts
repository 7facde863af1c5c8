// A cluster answers challenges with its account's key thumbprint on every node, before the first order: the account
// must exist first. certbot registers it (as it would on its first order), on the issuer only.
import { findClusterAccount, type CertbotAccount } from "../certbot/account.js";
import { accountArgs, commonCertbotArgs } from "../certbot/certbot-args.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import type { Settings } from "../settings/settings.js";
import { takeIssuerRole } from "./issuer-role.js";
import type { ClusterContext } from "./this-node.js";

export async function ensureClusterAccount(settings: Settings, exec: Exec, context: ClusterContext, env: Record<string, string | undefined>): Promise<{ account: CertbotAccount; registered: boolean }> {
  const existing = findClusterAccount(settings.letsencryptDir, settings.server, context.cluster.account);
  if (existing) return { account: existing, registered: false };
  if (context.cluster.account !== undefined) {
    throw new NgcertError("CONFIG", `certbot has no account ${context.cluster.account} for ${settings.server} on ${context.self.name}: remove "account" from the "cluster" settings to register a new one`);
  }
  const role = await takeIssuerRole(context, { purpose: "register the cluster's ACME account" });
  try {
    await exec(settings.certbotBin, ["register", ...commonCertbotArgs(settings), ...accountArgs(settings)], { env, timeoutMs: 5 * 60_000, signal: role.signal });
  } finally {
    await role.release();
  }
  const account = findClusterAccount(settings.letsencryptDir, settings.server, undefined);
  if (!account) throw new NgcertError("EXEC_FAILED", `certbot registered, but no account for ${settings.server} is in ${settings.letsencryptDir}`);
  return { account, registered: true };
}
