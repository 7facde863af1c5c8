// `ngcert install-check settings|nginx|ports|confirm`: the checks install.sh runs through the installed bundle, so
// they use ngcert's own settings resolution and nginx parser. Not listed in --help: an interface for install.sh only.
// Results go to stdout as one line (key<TAB>value lines for `settings`; for `ports`, first "running PID" or
// "stopped" once nginx -T has read the configuration); a failed check prints one line to stderr that names the cause
// and the way out, and exits 1.
import type { CommandModule } from "./command-module.js";
import { NgcertError } from "../errors.js";
import { renderEndpoint, renderHolders, renderSocket, type Endpoint } from "../install/endpoints.js";
import { checkPorts } from "../install/check-ports.js";
import { confirmNginx } from "../install/confirm-nginx.js";
import { findRunningNginx, readNginxConfig } from "../install/nginx-endpoints.js";

declare const NGCERT_VERSION: string;

const CHECKS = ["settings", "nginx", "ports", "confirm"] as const;

const list = (endpoints: readonly Endpoint[]): string => (endpoints.length === 0 ? "no address (no listen in its configuration)" : endpoints.map(renderEndpoint).join(", "));
const bracket = (address: string): string => (address.includes(":") ? `[${address}]` : address);

export const installCheckCommand: CommandModule = {
  command: "install-check <check>",
  describe: false,
  builder: (yargs) =>
    yargs
      .positional("check", { type: "string", choices: CHECKS, describe: "which check" })
      .option("with-catch-all", { type: "boolean", describe: "ports: include the catch-all ngcert init will add" })
      .option("probe-challenge", { type: "boolean", describe: "confirm: also fetch a probe file through nginx" })
      .option("timeout", { type: "string", requiresArg: true, describe: "confirm: seconds nginx may take to bind [10]" }),
  run: async (args, settings, context) => {
    const say = (line: string): void => context.stdout.write(`${line}\n`);
    const fail = (line: string): number => {
      context.stderr.write(`${line}\n`);
      return 1;
    };
    const check = args.check as (typeof CHECKS)[number];
    try {
      if (check === "settings") {
        const values: Record<string, string | number> = {
          "version": typeof NGCERT_VERSION === "string" ? NGCERT_VERSION : "dev",
          "config": settings.configPath,
          "webroot": settings.webroot,
          "letsencrypt-dir": settings.letsencryptDir,
          "nginx-dir": settings.nginxDir,
          "nginx-conf": settings.nginxConf,
          "nginx-bin": settings.nginxBin,
          "reload-cmd": settings.reloadCmd.join(" "),
          "http-port": settings.httpPort,
          "https-port": settings.httpsPort,
          "listen-address": settings.listenAddress,
        };
        for (const [key, value] of Object.entries(values)) say(`${key}\t${value}`);
        return 0;
      }
      if (check === "nginx") {
        const nginx = findRunningNginx(await readNginxConfig(settings, context.exec));
        say(nginx ? `running ${nginx.pid}` : "stopped");
        return 0;
      }
      if (check === "ports") {
        const result = await checkPorts(settings, context.exec, { withCatchAll: args["with-catch-all"] === true });
        // First what nginx -T showed (so a failure without this line is the configuration's, not a port's).
        say(result.nginxPid === undefined ? "stopped" : `running ${result.nginxPid}`);
        if (result.conflicts.length > 0) {
          const ports = [...new Set(result.conflicts.map((c) => c.wanted.port))];
          const held = [...new Set(result.conflicts.map((c) => `${renderSocket(c.socket)} by ${renderHolders(c.socket.holders)}`))];
          const otherNginx = result.conflicts.some((c) => c.socket.holders.some((h) => h.program === "nginx")) ? ` (an nginx that ${settings.nginxConf} does not configure)` : "";
          return fail(
            `${ports.length === 1 ? "port" : "ports"} ${ports.join(" and ")} taken where nginx must listen: ${held.join(", ")}${otherNginx}; ` +
              "stop that program (a leftover `certbot --standalone`, Apache, a development server?), or give install.sh other ports or one " +
              "address (--http-port, --https-port, --listen-address); then run install.sh again",
          );
        }
        say(
          result.nginxPid === undefined
            ? `free for nginx: ${list(result.endpoints)}`
            : `nothing but nginx (pid ${result.nginxPid}) holds ${list(result.endpoints)}`,
        );
        return 0;
      }
      const seconds = args.timeout === undefined ? 10 : Number(args.timeout);
      if (!(seconds > 0)) throw new NgcertError("USAGE", `--timeout ${JSON.stringify(args.timeout)} is not a number of seconds`);
      const result = await confirmNginx(settings, context.exec, { probeChallenge: args["probe-challenge"] === true, timeoutMs: seconds * 1000 });
      switch (result.kind) {
        case "confirmed":
          say(
            `nginx (pid ${result.nginxPid}) listens on ${list(result.endpoints)}` +
              (result.probed.length > 0 ? `, and the challenge path answers through it on ${result.probed.map(bracket).join(" and ")}` : ""),
          );
          return 0;
        case "not-running":
          return fail(`nginx is not running (${settings.nginxConf}): start it, then run install.sh again`);
        case "not-listening": {
          const missing = result.missing.map(({ endpoint, heldBy }) =>
            heldBy.length > 0 ? `${renderEndpoint(endpoint)} (held by ${renderHolders(heldBy.flatMap((s) => s.holders))})` : renderEndpoint(endpoint),
          );
          return fail(
            `nginx (pid ${result.nginxPid}) does not listen on ${missing.join(", ")} although its configuration says so` +
              (result.lastError ? `; its error log says: ${result.lastError}` : "") +
              "; free those ports (or fix what the error names), then run install.sh again: it reloads nginx and checks again",
          );
        }
        case "challenge-failed":
          return fail(
            `the challenge path does not answer through nginx (pid ${result.nginxPid}): ${result.failures.map((f) => `${bracket(f.address)}: ${f.seen}`).join("; ")}; ` +
              `check that ${settings.nginxDir}/conf.d/ngcert-acme.conf is loaded and that nothing in front of nginx answers on port ${settings.httpPort}, then run install.sh again`,
          );
      }
    } catch (error) {
      if (error instanceof NgcertError && error.code !== "USAGE" && error.code !== "CONFIG") return fail(error.message);
      throw error;
    }
  },
};
