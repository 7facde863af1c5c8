// `ngcert remove NAME [--delete-cert]`: removes a site and reloads; the certificate is kept unless asked.
import type { CommandModule } from "./command-module.js";
import { describeReload } from "../deploy/describe-service.js";
import { runRemove } from "../sites/run-remove.js";

export const removeCommand: CommandModule = {
  command: "remove <name>",
  describe: "remove a site (nginx -t, reload); the certificate is kept unless --delete-cert",
  builder: (yargs) =>
    yargs
      .positional("name", { type: "string", describe: "the site's name (its first domain)" })
      .option("delete-cert", { type: "boolean", describe: "also delete the certificate with certbot" }),
  run: async (args, settings, context) => {
    const result = await runRemove(settings, context.exec, { name: String(args.name), deleteCert: args["delete-cert"] === true, env: context.env, now: context.now });
    const reload = result.reload.status === "reloaded" ? "nginx reloaded" : result.reload.status === "nginx-down" ? "nginx is not running" : describeReload(result.reload) ?? "nginx not reloaded";
    context.stderr.write(
      `removed ${result.siteFile}${result.wasEdited ? " (it had been edited by hand)" : ""}; ${reload}${result.certificateDeleted ? `; certificate ${String(args.name)} deleted` : "; the certificate is kept"}\n`,
    );
    if (result.reload.status === "blocked" || result.reload.status === "failed") {
      context.stderr.write("nginx keeps serving the removed site until it can be reloaded: fix the file named above, then run `ngcert reload`\n");
      return 1;
    }
    return 0;
  },
};
