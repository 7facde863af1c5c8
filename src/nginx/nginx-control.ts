// Runs nginx for ngcert: test a configuration, dump it. Never stops nginx; reloading is reload-nginx.ts.
import type { Exec } from "../exec.js";
import { NgcertError, escapeControl } from "../errors.js";
import type { Settings } from "../settings/settings.js";
import { parseNginxTestOutput, parseNginxWarnings, type NginxTestFailure } from "./nginx-test-output.js";

/** nginx -t and -T read every certificate the configuration names: thousands of sites take seconds, not minutes. */
export const NGINX_TEST_TIMEOUT_MS = 120_000;

export class NginxTestError extends NgcertError {
  constructor(
    message: string,
    readonly failure: NginxTestFailure,
    details: string,
  ) {
    super("NGINX_INVALID", message, { details });
  }
}

/**
 * `nginx -t` on the configuration (or on `confFile`, a staged copy of it); throws NginxTestError naming file and line.
 * Returns nginx's warnings ("conflicting server name ..."), which a caller about to serve those names must not ignore.
 */
export async function testNginxConfig(settings: Settings, exec: Exec, options: { confFile?: string } = {}): Promise<string[]> {
  const conf = options.confFile ?? settings.nginxConf;
  const result = await exec(settings.nginxBin, ["-t", "-q", "-c", conf], { allowFailure: true, timeoutMs: NGINX_TEST_TIMEOUT_MS, ownProcessGroup: true });
  const output = escapeControl(result.stderr || result.stdout);
  if (result.exitCode !== 0) {
    const failure = parseNginxTestOutput(output);
    throw new NginxTestError(`nginx -t refused the configuration${describeWhere(failure)}`, failure, output);
  }
  return parseNginxWarnings(output);
}

/** `nginx -T`: the whole configuration as nginx reads it, every included file marked. */
export async function dumpNginxConfig(settings: Settings, exec: Exec): Promise<string> {
  const result = await exec(settings.nginxBin, ["-T", "-q", "-c", settings.nginxConf], { allowFailure: true, timeoutMs: NGINX_TEST_TIMEOUT_MS, ownProcessGroup: true });
  if (result.exitCode !== 0) {
    const output = escapeControl(result.stderr);
    const failure = parseNginxTestOutput(output);
    throw new NginxTestError(`nginx -t fails on the current configuration${describeWhere(failure)}`, failure, output);
  }
  return result.stdout;
}

function describeWhere(failure: NginxTestFailure): string {
  if (failure.file !== undefined) return ` (${failure.file}${failure.line === undefined ? "" : `:${failure.line}`}: ${failure.message})`;
  return failure.message === "" ? "" : ` (${failure.message})`;
}
