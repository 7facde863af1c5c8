// Settings precedence: flag, then NGCERT_* environment variable, then config file, then default. Pure: inputs come in as data.
import { isIP } from "node:net";
import path from "node:path";
import { NgcertError } from "../errors.js";
import { DEFAULT_CONFIG_PATH, LETS_ENCRYPT_PRODUCTION, LETS_ENCRYPT_STAGING, SETTINGS, SETTING_KEYS, type SettingDefinition, type SettingKey } from "./definitions.js";
import { parseClusterConfig } from "./cluster-config.js";
import type { Settings } from "./settings.js";
import { splitCommand } from "./split-command.js";

export interface SettingsInput {
  /** Values given as flags, keyed by long flag name; undefined when not given. */
  flags: Partial<Record<SettingKey | "staging", unknown>>;
  env: Record<string, string | undefined>;
  /** The parsed config file (a JSON object), or {} when there is none. */
  config: Record<string, unknown>;
  configPath?: string;
  cwd: string;
}

interface Source {
  value: unknown;
  origin: string;
}

// Characters that would let a value break out of an nginx directive or a command line, or mean something else there:
// certbot runs its hooks (paths under the letsencrypt dir) through /bin/sh, where & | < > ( ) act; nginx expands the
// glob characters * ? [ ] in an include.
const UNSAFE_PATH = /[\s;{}'"`$\\#\0&|<>()*?[\]]/;

export function resolveSettings(input: SettingsInput): Settings {
  const configPath = input.configPath ?? DEFAULT_CONFIG_PATH;
  checkConfigKeys(input.config, configPath);
  const pick = (definition: SettingDefinition): Source | undefined => {
    const flag = input.flags[definition.key];
    if (flag !== undefined) return { value: flag, origin: `--${definition.key}` };
    const env = input.env[definition.env];
    if (env !== undefined && env !== "") return { value: env, origin: `environment variable ${definition.env}` };
    if (definition.key in input.config) return { value: input.config[definition.key], origin: `"${definition.key}" in ${configPath}` };
    return undefined;
  };
  const values = new Map<SettingKey, unknown>();
  const givenArgs: string[] = input.configPath === undefined ? [] : ["--config", path.resolve(input.cwd, input.configPath)];
  for (const definition of SETTINGS) {
    const source = pick(definition);
    if (!source) continue;
    const value = validateSetting(definition, source, input.cwd);
    values.set(definition.key, value);
    if (!source.origin.startsWith('"')) givenArgs.push(`--${definition.key}`, definition.kind === "command" ? String(source.value) : String(value));
  }
  const str = (key: SettingKey, fallback: string): string => (values.get(key) as string | undefined) ?? fallback;
  const num = (key: SettingKey, fallback: number): number => (values.get(key) as number | undefined) ?? fallback;

  const nginxDir = str("nginx-dir", "/etc/nginx");
  const nginxConf = str("nginx-conf", path.join(nginxDir, "nginx.conf"));
  const nginxBin = str("nginx-bin", "nginx");
  const server = resolveServer(input, values.get("server") as string | undefined, configPath);
  if (input.flags.staging === true) givenArgs.push("--server", server);
  return {
    configPath,
    givenArgs,
    letsencryptDir: str("letsencrypt-dir", "/etc/letsencrypt"),
    certbotWorkDir: str("certbot-work-dir", "/var/lib/letsencrypt"),
    certbotLogsDir: str("certbot-logs-dir", "/var/log/letsencrypt"),
    webroot: str("webroot", "/var/www/acme-challenge"),
    nginxDir,
    nginxConf,
    nginxBin,
    reloadCmd: (values.get("reload-cmd") as string[] | undefined) ?? [nginxBin, "-c", nginxConf, "-s", "reload"],
    reloadTimeoutMs: num("reload-timeout", 60) * 1000,
    certbotBin: str("certbot-bin", "certbot"),
    httpPort: num("http-port", 80),
    httpsPort: num("https-port", 443),
    listenAddress: str("listen-address", ""),
    server,
    email: values.get("email") as string | undefined,
    cacheDir: str("cache-dir", "/var/cache/ngcert"),
    // Only in the config file: a list of nodes is no flag. Every node's ngcert reads it, hooks included.
    ...(input.config.cluster === undefined ? {} : { cluster: parseClusterConfig(input.config.cluster, configPath, input.cwd) }),
  };
}

function checkConfigKeys(config: Record<string, unknown>, configPath: string): void {
  const known = new Set<string>([...SETTING_KEYS, "staging", "cluster"]);
  for (const key of Object.keys(config)) {
    if (!known.has(key)) {
      throw new NgcertError("CONFIG", `${configPath}: unknown setting "${key}"; settings are named after the long flags: ${[...known].join(", ")}`);
    }
  }
}

function resolveServer(input: SettingsInput, server: string | undefined, configPath: string): string {
  const flagStaging = input.flags.staging;
  const configStaging = input.config.staging;
  if (configStaging !== undefined && typeof configStaging !== "boolean") {
    throw new NgcertError("CONFIG", `${configPath}: "staging" must be true or false, not ${JSON.stringify(configStaging)}`);
  }
  if (flagStaging === true && input.flags.server !== undefined) {
    throw new NgcertError("USAGE", "--staging and --server both choose the ACME server: give only one");
  }
  if (configStaging === true && input.config.server !== undefined) {
    throw new NgcertError("CONFIG", `${configPath}: "staging" and "server" both choose the ACME server: keep only one`);
  }
  if (flagStaging === true) return LETS_ENCRYPT_STAGING;
  if (input.flags.server !== undefined) return server!;
  // --no-staging is a flag too: it outranks "staging": true in the config file.
  if (server !== undefined || flagStaging === false) return server ?? LETS_ENCRYPT_PRODUCTION;
  if (configStaging === true) return LETS_ENCRYPT_STAGING;
  return LETS_ENCRYPT_PRODUCTION;
}

function validateSetting(definition: SettingDefinition, source: Source, cwd: string): unknown {
  const { value, origin } = source;
  const fail = (why: string): never => {
    throw new NgcertError(origin.startsWith("--") ? "USAGE" : "CONFIG", `${origin}: ${why}`);
  };
  if (definition.kind === "seconds") {
    const seconds = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) fail(`${JSON.stringify(value)} is not a whole number of seconds (1-3600)`);
    return seconds;
  }
  if (definition.kind === "port") {
    const port = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value.trim()) ? Number(value.trim()) : NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`${JSON.stringify(value)} is not a port number (1-65535)`);
    return port;
  }
  if (typeof value !== "string") return fail(`expected a string, not ${JSON.stringify(value)}`);
  if (/[\0\r\n]/.test(value)) fail("control characters are not allowed");
  switch (definition.kind) {
    case "path":
      if (value.trim() === "") fail("a path is required");
      // The path as given and as it will be used: a relative one takes the working directory's characters along.
      for (const whole of [value, path.resolve(cwd, value)]) {
        if (UNSAFE_PATH.test(whole)) fail(`\`${whole}\` is not a usable path: spaces, quotes and ; { } $ \\ # & | < > ( ) * ? [ ] are not allowed`);
      }
      return path.resolve(cwd, value);
    case "program":
      if (value.trim() === "" || /\s/.test(value)) fail(`\`${value}\` is not a program name or path`);
      return value;
    case "command":
      try {
        return splitCommand(value, origin);
      } catch (error) {
        return fail(error instanceof Error ? error.message.replace(`${origin} `, "") : String(error));
      }
    case "address": {
      const address = value.trim().replace(/^\[(.*)\]$/, "$1");
      if (address !== "" && isIP(address) === 0) fail(`\`${value}\` is not an IPv4 or IPv6 address`);
      return address;
    }
    case "url": {
      let url: URL | undefined;
      try {
        url = new URL(value);
      } catch {
        url = undefined;
      }
      if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) {
        fail(`\`${value}\` is not an http(s) URL of an ACME directory`);
      }
      return value;
    }
    case "email":
      if (value.length > 254 || !/^[A-Za-z0-9.!#$%&*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(value)) {
        fail(`\`${value}\` is not an e-mail address`);
      }
      return value;
  }
}
