// `ngcert init [--dry-run]`: idempotent server set-up (webroot, nginx catch-all and snippet, certbot hooks).
import type { CommandModule } from "./command-module.js";
import { NgcertError } from "../errors.js";
import { hostHasIpv6 } from "../nginx/host-ipv6.js";
import { describeShadowing } from "../init/describe-http-conflicts.js";
import { runInit } from "../init/run-init.js";
import { acmeSnippetPath } from "../nginx/render-acme.js";

export const initCommand: CommandModule = {
  command: "init",
  describe: "set the server up: shared challenge webroot, nginx port-80 catch-all, certbot hooks (idempotent)",
  builder: (yargs) => yargs.option("dry-run", { type: "boolean", describe: "show the changes as diffs and touch nothing" }),
  run: async (args, settings, context) => {
    if (!context.selfCommand) throw new NgcertError("USAGE", "ngcert init must run from the built ngcert (dist/cli.js) so the hooks can call it");
    const dryRun = args["dry-run"] === true;
    const report = await runInit(settings, context.exec, { dryRun, selfCommand: context.selfCommand, ipv6: hostHasIpv6(), env: context.env, now: context.now });
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    for (const warning of report.warnings) say(`warning: ${warning}`);
    for (const server of report.shadowing) say(`warning: ${describeShadowing(server, { snippetFile: acmeSnippetPath(settings.nginxDir), httpPort: settings.httpPort })}`);
    const changes = report.actions.flatMap((action) => (action.kind === "unchanged" ? [] : [action]));
    if (dryRun) {
      if (report.webrootCreated) context.stdout.write(`mkdir -m 755 ${settings.webroot}\n`);
      for (const action of changes) context.stdout.write(action.diff);
      say(changes.length === 0 && !report.webrootCreated ? "Nothing to change: the server is already set up." : "Dry run: nothing was changed.");
      return 0;
    }
    if (changes.length === 0 && !report.webrootCreated && report.reload === undefined) {
      say("Nothing to change: the server is already set up.");
      return 0;
    }
    if (report.webrootCreated) say(`created ${settings.webroot}`);
    for (const action of changes) say(`${action.kind === "create" ? "created" : "updated"} ${action.file.path} (${action.file.what})`);
    switch (report.reload?.status) {
      case "reloaded":
        say("nginx -t passed; nginx reloaded.");
        return 0;
      case "nginx-down":
        say("nginx -t passed; nginx is not running, it will use this configuration when it starts.");
        return 0;
      case "blocked":
      case "failed":
        say(`ngcert's files are in place, but nginx was not reloaded: ${report.reload.reason}. Fix that, then run \`ngcert reload\`.`);
        return 1;
      default:
        say("nginx -t passed.");
        return 0;
    }
  },
};
