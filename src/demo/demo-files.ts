// The small files that make the demo's world usable from a shell, exactly as the demo itself uses them: the settings
// to source, certbot's cli.ini, the programs on its PATH (ngcert, nginx) and the stop script.
// Pure: every path and value comes in.
import { SETTINGS } from "../settings/definitions.js";

/** A value for a POSIX shell, single-quoted. */
export function quoteShell(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export interface EnvFileInput {
  root: string;
  binDir: string;
  /** The world's variables: NGCERT_* settings, REQUESTS_CA_BUNDLE, XDG_CONFIG_HOME. */
  variables: Record<string, string>;
}

export function renderEnvFile(input: EnvFileInput): string {
  const set = Object.entries(input.variables).sort(([a], [b]) => a.localeCompare(b));
  // A setting of the person's own (NGCERT_EMAIL, NGCERT_RELOAD_CMD, ...) must not leak into the demo's world.
  const unset = SETTINGS.map((setting) => setting.env).filter((name) => !(name in input.variables));
  return [
    `# ngcert demo world in ${input.root}: source this file (in a shell of its own), then run any ngcert command;`,
    "# it acts on the demo's nginx, certbot directories and Pebble only. certbot itself reads the same directories",
    "# from $XDG_CONFIG_HOME/letsencrypt/cli.ini.",
    ...set.map(([name, value]) => `export ${name}=${quoteShell(value)}`),
    ...(unset.length > 0 ? [`unset ${unset.join(" ")}`] : []),
    `export PATH=${quoteShell(input.binDir)}:"$PATH"`,
    "",
  ].join("\n");
}

export interface CliIniInput {
  letsencryptDir: string;
  workDir: string;
  logsDir: string;
  directoryUrl: string;
  /** The world's port 80, where `certbot --standalone` binds when nginx is stopped. */
  httpPort: number;
}

export function renderCliIni(input: CliIniInput): string {
  return [
    "# certbot's settings in the ngcert demo world: its directories and CA, and the world's port 80 for --standalone.",
    `config-dir = ${input.letsencryptDir}`,
    `work-dir = ${input.workDir}`,
    `logs-dir = ${input.logsDir}`,
    `server = ${input.directoryUrl}`,
    `http-01-port = ${input.httpPort}`,
    "http-01-address = 127.0.0.1",
    // Run from a script (no terminal), `certbot renew` would first sleep up to 8 minutes.
    "no-random-sleep-on-renew = True",
    "",
  ].join("\n");
}

/** bin/ngcert: the very ngcert that made the world (node and its bundle). */
export function renderNgcertWrapper(selfCommand: readonly string[]): string {
  return `#!/bin/sh\n# The ngcert that made this demo world.\nexec ${selfCommand.map(quoteShell).join(" ")} "$@"\n`;
}

export interface NginxWrapperInput {
  nginxBin: string;
  conf: string;
  errorLog: string;
  pidFile: string;
}

/**
 * bin/nginx: the demo's nginx on the demo's PATH, so the old way's hooks read as they do on a server (`--pre-hook
 * "nginx -s stop" --post-hook nginx`) and ngcert doctor and migrate recognise them. It always names the demo's
 * configuration, and `-s stop` / `-s quit` wait until the master has exited, as `systemctl stop nginx` does: only
 * then is port 80 free for `certbot --standalone`.
 */
export function renderNginxWrapper(input: NginxWrapperInput): string {
  const nginx = `${quoteShell(input.nginxBin)} -e ${quoteShell(input.errorLog)} -c ${quoteShell(input.conf)}`;
  return `#!/bin/sh
# The ngcert demo's nginx: ${input.nginxBin} with the demo's configuration only, never this machine's.
case " $* " in
  *" -s stop "*|*" -s quit "*)
    pid=$(cat ${quoteShell(input.pidFile)} 2>/dev/null)
    ${nginx} "$@" || exit $?
    [ -n "$pid" ] || exit 0
    i=0
    while kill -0 "$pid" 2>/dev/null; do
      i=$((i + 1))
      [ "$i" -le 500 ] || { echo "nginx ($pid) did not stop within 10 s" >&2; exit 1; }
      sleep 0.02
    done
    ;;
  *)
    exec ${nginx} "$@"
    ;;
esac
`;
}

/** stop: ends every process of a kept world and removes its directory. */
export function renderStopScript(selfCommand: readonly string[], root: string): string {
  return `#!/bin/sh\n# Stops the ngcert demo world in ${root} and removes the directory.\nexec ${[...selfCommand, "demo", "--stop", root].map(quoteShell).join(" ")}\n`;
}
