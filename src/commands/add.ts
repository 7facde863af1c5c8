// `ngcert add DOMAIN... --upstream URL`: a certificate and an HTTPS reverse proxy in one safe step.
import type { CommandModule } from "./command-module.js";
import { NgcertError } from "../errors.js";
import { hostHasIpv6 } from "../nginx/host-ipv6.js";
import { parseDomains } from "../sites/parse-domain.js";
import { parseUpstream } from "../sites/parse-upstream.js";
import { runAdd } from "../sites/run-add.js";
import { runAsIssuer } from "../cluster/run-as-issuer.js";
import { isSyncFailure, renderSyncLines } from "../cluster/render-sync.js";
import type { Exec } from "../exec.js";

/**
 * The longest certificate name whose files all fit a file name's 255 bytes: the longest is the site file as it is
 * staged, `.ngcert-site-<name>.conf.ngcert-staged-<8 hex>` (the name + 41); certbot's `renewal/<name>-0001.conf` adds 10.
 */
const MAX_CERTIFICATE_NAME = 214;

export const addCommand: CommandModule = {
  command: "add <domains..>",
  describe: "obtain a certificate for the domains and put an HTTPS reverse proxy to the upstream in front",
  builder: (yargs) =>
    yargs
      .positional("domains", { type: "string", array: true, describe: "domain names; the first names the certificate and the site" })
      .option("upstream", { type: "string", requiresArg: true, demandOption: true, describe: "where to proxy, e.g. http://127.0.0.1:8080" })
      .option("key-type", { type: "string", choices: ["ecdsa", "rsa"], default: "ecdsa", describe: "certificate key type" })
      .option("hsts", { type: "boolean", describe: "send Strict-Transport-Security" })
      .option("skip-preflight", { type: "boolean", describe: "do not check the challenge path through nginx first (experts)" }),
  run: async (args, settings, context) => {
    const domains = parseDomains(((args.domains as unknown[]) ?? []).map(String));
    if (domains[0]!.length > MAX_CERTIFICATE_NAME) {
      throw new NgcertError(
        "USAGE",
        `the first domain names the certificate and the site, and ${domains[0]!.length} characters is too long for their files (a file name holds 255 bytes, and the longest file written for it adds ${255 - MAX_CERTIFICATE_NAME}): put a name of at most ${MAX_CERTIFICATE_NAME} characters first`,
      );
    }
    if (typeof args.upstream !== "string") throw new NgcertError("USAGE", "--upstream needs a URL such as http://127.0.0.1:8080");
    const upstream = parseUpstream(args.upstream);
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    const add = (exec: Exec, env: Record<string, string | undefined>) =>
      runAdd(settings, exec, {
        domains,
        upstream,
        keyType: args["key-type"] === "rsa" ? "rsa" : "ecdsa",
        hsts: args.hsts === true,
        skipPreflight: args["skip-preflight"] === true,
        ipv6: hostHasIpv6(),
        env,
        showProgress: context.isTTY,
        log: say,
        now: context.now,
      });
    // On a cluster only the issuer orders; the certificate then goes to every node (their nginx sites are yours).
    const cluster = settings.cluster ? await runAsIssuer(settings, context.exec, { purpose: "add", env: context.env, now: context.now }, add) : undefined;
    const result = cluster ? cluster.result : await add(context.exec, context.env);
    const certificate = { obtained: "certificate obtained", expanded: "certificate expanded to the new names", reused: "existing certificate reused" }[result.certificate];
    say(`${result.name}: ${certificate}; site ${result.site}; nginx serves it for ${result.served.map((check) => check.domain).join(", ")}`);
    const port = settings.httpsPort === 443 ? "" : `:${settings.httpsPort}`;
    context.stdout.write(`${domains.map((domain) => `https://${domain}${port}/ -> ${upstream.url}`).join("\n")}\n`);
    if (!cluster) return 0;
    for (const line of renderSyncLines(cluster.sync)) say(line);
    return isSyncFailure(cluster.sync) ? 1 : 0;
  },
};
