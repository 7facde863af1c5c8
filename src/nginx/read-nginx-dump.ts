// Reads the running configuration through `nginx -T`: every file nginx loads (includes resolved by nginx itself),
// parsed into directives, and where its master process writes its pid.
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import { dumpNginxConfig, readRunningNginxPid } from "./nginx-control.js";
import { parseNginxConfig, splitNginxDump, type Directive } from "./parse-config.js";

export interface NginxDump {
  files: { file: string; directives: Directive[] }[];
  /** Files nginx accepts that this parser cannot read (e.g. embedded Lua); they are left out of the analysis. */
  skipped: string[];
  pidFile: string | undefined;
}

export async function readNginxDump(settings: Settings, exec: Exec): Promise<NginxDump> {
  const dump = await dumpNginxConfig(settings, exec);
  const files: NginxDump["files"] = [];
  const skipped: string[] = [];
  for (const { file, text } of splitNginxDump(dump)) {
    try {
      files.push({ file, directives: parseNginxConfig(text) });
    } catch {
      skipped.push(file);
    }
  }
  const main = files[0]?.directives ?? [];
  let pidFile = main.find((directive) => directive.name === "pid")?.args[0];
  if (pidFile === undefined) {
    const version = await exec(settings.nginxBin, ["-V"], { allowFailure: true });
    pidFile = /--pid-path=(\S+)/.exec(version.stderr + version.stdout)?.[1];
  }
  return { files, skipped, pidFile };
}

/** Does the nginx this configuration belongs to run (its pid file names a live process)? */
export function isNginxRunning(dump: NginxDump): boolean {
  return dump.pidFile !== undefined && readRunningNginxPid(dump.pidFile) !== undefined;
}
