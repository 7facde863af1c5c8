// Runs nginx for ngcert: test the configuration, dump it, reload gracefully. Never stops nginx.
import { readFileSync } from "node:fs";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { isProcessAlive } from "../fs/process-alive.js";
import type { Settings } from "../settings/settings.js";

export async function testNginxConfig(settings: Settings, exec: Exec): Promise<void> {
  const result = await exec(settings.nginxBin, ["-t", "-q", "-c", settings.nginxConf], { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new NgcertError("NGINX_INVALID", `nginx -t refused the configuration (${settings.nginxConf})`, { details: result.stderr || result.stdout });
  }
}

/** `nginx -T`: the whole configuration as nginx reads it, every included file marked. */
export async function dumpNginxConfig(settings: Settings, exec: Exec): Promise<string> {
  const result = await exec(settings.nginxBin, ["-T", "-q", "-c", settings.nginxConf], { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new NgcertError("NGINX_INVALID", `nginx -t already fails before any change by ngcert (${settings.nginxConf}); fix that first`, {
      details: result.stderr,
    });
  }
  return result.stdout;
}

export async function reloadNginx(settings: Settings, exec: Exec): Promise<void> {
  const [program, ...args] = settings.reloadCmd;
  const result = await exec(program!, args, { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new NgcertError("EXEC_FAILED", `reloading nginx failed (\`${settings.reloadCmd.join(" ")}\`)`, { details: result.stderr || result.stdout });
  }
}

/** The master process id from nginx's pid file, when that process is alive. */
export function readRunningNginxPid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return isProcessAlive(pid) ? pid : undefined;
}
