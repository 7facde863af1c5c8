// `ngcert renew`: certbot renew with the settings' directories and ngcert's hooks, then a summary worked out from the
// lineages themselves (which fingerprints changed), not from certbot's prose.
import { existsSync } from "node:fs";
import { commonCertbotArgs } from "../certbot/certbot-args.js";
import type { LineageFacts } from "../certbot/lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { hookShimPath } from "../hooks/render-hook-shim.js";
import path from "node:path";
import { findCertificateUsers } from "../nginx/certificate-users.js";
import { readNginxDump } from "../nginx/read-nginx-dump.js";
import { namesToProbe, servedTarget } from "../served/served-target.js";
import { checkServed } from "../served/wait-until-served.js";
import { LETS_ENCRYPT_PRODUCTION } from "../settings/definitions.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";

export const DRY_RUN_ENV = "NGCERT_DRY_RUN";

export interface RenewRequest {
  force: boolean;
  certName: string | undefined;
  dryRun: boolean;
  env: Record<string, string | undefined>;
  showProgress: boolean;
}

export interface RenewedLineage {
  name: string;
  /** Does nginx now serve the new certificate for every name a site uses it for? "unused": no nginx site uses it. */
  served: "yes" | "no" | "unused";
}

export interface RenewSummary {
  renewed: RenewedLineage[];
  notDue: string[];
  failed: string[];
  hooksInstalled: boolean;
  certbotExitCode: number;
  certbotOutput: string;
}

export async function runRenew(settings: Settings, exec: Exec, request: RenewRequest): Promise<RenewSummary> {
  const before = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: request.certName ? [request.certName] : [] });
  const hooksInstalled = existsSync(hookShimPath(settings.letsencryptDir, "deploy"));
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "renew", env: request.env });
  let result;
  try {
    const args = [
      "renew",
      ...commonCertbotArgs(settings),
      // The scheduled renewal is certbot's own timer, which spreads its start itself; whoever runs this wants it now.
      "--no-random-sleep-on-renew",
      ...(request.force ? ["--force-renewal"] : []),
      ...(request.certName ? ["--cert-name", request.certName] : []),
      ...(request.dryRun ? ["--dry-run"] : []),
      // certbot rehearses a dry run against Let's Encrypt staging whatever CA the renewal conf names, unless --server
      // is given: a CA chosen in ngcert's settings (a private ACME CA, a test Pebble) is the one to rehearse against.
      ...(request.dryRun && settings.server !== LETS_ENCRYPT_PRODUCTION ? ["--server", settings.server] : []),
    ];
    const env = { ...request.env, ...lock.env, ...(request.dryRun ? { [DRY_RUN_ENV]: "1" } : {}) };
    result = await exec(settings.certbotBin, args, { allowFailure: true, inheritStderr: request.showProgress, env });
  } finally {
    lock.release();
  }
  const output = `${result.stdout}\n${result.stderr}`;
  const failed = [...output.matchAll(/\/live\/([^/\s]+)\/fullchain\.pem \(failure\)/g)].map((match) => match[1]!);
  if (result.exitCode !== 0 && failed.length === 0 && !request.dryRun) {
    throw new NgcertError("EXEC_FAILED", `certbot renew failed (exit code ${result.exitCode})`, { details: result.stderr || result.stdout });
  }
  const after = request.dryRun ? before : await collectFacts({ letsencryptDir: settings.letsencryptDir, names: request.certName ? [request.certName] : [] });
  const previous = new Map(before.map((facts) => [facts.name, facts.fingerprint]));
  const renewedFacts = after.filter((facts) => facts.fingerprint !== undefined && previous.get(facts.name) !== facts.fingerprint);
  const renewed: RenewedLineage[] = [];
  const nginx = renewedFacts.length > 0 ? await readNginxDump(settings, exec) : undefined;
  for (const facts of renewedFacts) {
    const users = findCertificateUsers(nginx?.files ?? [], path.dirname(facts.paths.cert));
    const names = namesToProbe(facts.domains, users.flatMap((user) => user.serverNames));
    renewed.push({ name: facts.name, served: users.length === 0 ? "unused" : (await isServed(settings, facts, names)) ? "yes" : "no" });
  }
  const changed = new Set([...renewedFacts.map((facts) => facts.name), ...failed]);
  return {
    renewed,
    notDue: after.map((facts) => facts.name).filter((name) => !changed.has(name)),
    failed,
    hooksInstalled,
    certbotExitCode: result.exitCode,
    certbotOutput: output,
  };
}

async function isServed(settings: Settings, facts: LineageFacts, names: readonly string[]): Promise<boolean> {
  const checks = await checkServed(servedTarget(settings), names, facts.fingerprint!);
  return checks.every((check) => check.matches);
}
