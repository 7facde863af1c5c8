// Reads the running configuration through `nginx -T`: every file nginx loads (includes resolved by nginx itself),
// parsed into directives, where its master process writes its pid and where it logs errors.
import path from "node:path";
import type { Exec } from "../exec.js";
import type { Settings } from "../settings/settings.js";
import { dumpNginxConfig } from "./nginx-control.js";
import { readMasterPid } from "./nginx-processes.js";
import { parseNginxConfig, splitNginxDump, type Directive } from "./parse-config.js";

export interface NginxDump {
  files: { file: string; directives: Directive[] }[];
  /**
   * Files nginx accepts that this parser cannot read (e.g. embedded Lua), with their text: callers must not treat
   * what they cannot see as absent (certificate-users.ts scans this text for certificate paths).
   */
  skipped: { file: string; text: string; reason: string }[];
  pidFile: string | undefined;
  /** The main error log (for why nginx rejected a reload); undefined when it goes to stderr or syslog. */
  errorLog: string | undefined;
}

export async function readNginxDump(settings: Settings, exec: Exec): Promise<NginxDump> {
  const dump = await dumpNginxConfig(settings, exec);
  const files: NginxDump["files"] = [];
  const skipped: NginxDump["skipped"] = [];
  for (const { file, text } of splitNginxDump(dump)) {
    try {
      files.push({ file, directives: parseNginxConfig(text) });
    } catch (error) {
      skipped.push({ file, text, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  const main = files[0]?.directives ?? [];
  let pidFile = main.find((directive) => directive.name === "pid")?.args[0];
  let errorLog = main.find((directive) => directive.name === "error_log")?.args[0];
  if (pidFile === undefined || errorLog === undefined) {
    const version = await exec(settings.nginxBin, ["-V"], { allowFailure: true, timeoutMs: 10_000 });
    const built = version.stderr + version.stdout;
    const prefix = /--prefix=(\S+)/.exec(built)?.[1] ?? "/usr/share/nginx";
    pidFile ??= /--pid-path=(\S+)/.exec(built)?.[1];
    errorLog ??= /--error-log-path=(\S+)/.exec(built)?.[1];
    if (pidFile !== undefined) pidFile = path.resolve(prefix, pidFile);
    if (errorLog !== undefined) errorLog = path.resolve(prefix, errorLog);
  }
  if (errorLog === "stderr" || errorLog?.startsWith("syslog:") || errorLog?.startsWith("memory:")) errorLog = undefined;
  return { files, skipped, pidFile, errorLog };
}

/** Does the nginx this configuration belongs to run (its pid file names a live process)? */
export function isNginxRunning(dump: NginxDump): boolean {
  return dump.pidFile !== undefined && readMasterPid(dump.pidFile) !== undefined;
}
