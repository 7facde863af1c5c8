// `ngcert hook pre`: before certbot asks the CA, check what a webroot renewal needs, and mark the run so its deploy
// hooks leave the reload to the post hook. certbot goes on whatever a pre hook says, so this reports; it cannot stop
// the renewal.
import { accessSync, constants, statSync } from "node:fs";
import { startRenewRun } from "../deploy/renew-run.js";
import type { Exec } from "../exec.js";
import { describeError } from "../errors.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import { probeAcmePath } from "../served/probe-acme-path.js";
import { localAddress } from "../served/served-target.js";
import type { Settings } from "../settings/settings.js";

export interface PreResult {
  problems: string[];
  /** The certbot run this hook belongs to was marked (one reload for all its renewals). */
  marked: boolean;
}

export async function runPreHook(settings: Settings, exec: Exec, options: { env: Record<string, string | undefined>; certbotPid: number | undefined; dryRun: boolean }): Promise<PreResult> {
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "hook pre", env: options.env });
  try {
    const problems = await runPreChecks(settings, exec);
    const marked = options.certbotPid !== undefined && !options.dryRun;
    if (marked) startRenewRun(settings.letsencryptDir, options.certbotPid!);
    return { problems, marked };
  } finally {
    lock.release();
  }
}

export async function runPreChecks(settings: Settings, exec: Exec): Promise<string[]> {
  const problems: string[] = [];
  try {
    if (!statSync(settings.webroot).isDirectory()) problems.push(`webroot ${settings.webroot} is not a directory`);
    else accessSync(settings.webroot, constants.W_OK);
  } catch (error) {
    problems.push(`webroot ${settings.webroot} is missing or not writable (${(error as NodeJS.ErrnoException).code ?? String(error)}); run ngcert init`);
  }
  let running = false;
  try {
    const nginx = await readNginxDump(settings, exec);
    running = isNginxRunning(nginx);
    if (!running) problems.push("nginx is not running: the CA's challenge requests will fail; start nginx");
    await testNginxConfig(settings, exec);
  } catch (error) {
    problems.push(describeError(error));
  }
  if (running && problems.length === 0) {
    const address = localAddress(settings);
    const [probe] = await probeAcmePath({ webroot: settings.webroot, domains: ["ngcert-probe.invalid"], httpPort: settings.httpPort, httpsPort: settings.httpsPort, addressFor: () => address });
    if (probe && !probe.ok) problems.push(`the challenge path does not answer through nginx on port ${settings.httpPort} (${probe.seen}); run ngcert init`);
  }
  return problems;
}
