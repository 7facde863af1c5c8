// `ngcert hook pre`: before certbot asks the CA, check what a webroot renewal needs. certbot goes on whatever a pre
// hook says, so this reports; it cannot stop the renewal.
import { accessSync, constants, statSync } from "node:fs";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import { probeChallengePath } from "../served/probe-challenge.js";
import { localAddress } from "../served/served-target.js";
import type { Settings } from "../settings/settings.js";

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
    problems.push(error instanceof NgcertError ? `${error.message}${error.details ? `: ${error.details.trim().split("\n")[0]}` : ""}` : String(error));
  }
  if (running && problems.length === 0) {
    const address = localAddress(settings);
    const [probe] = await probeChallengePath({ webroot: settings.webroot, address, port: settings.httpPort, hosts: ["ngcert-probe.invalid"] });
    if (probe && !probe.ok) problems.push(`the challenge path does not answer through nginx on port ${settings.httpPort} (${probe.seen}); run ngcert init`);
  }
  return problems;
}
