// `ngcert remove NAME [--delete-cert]`: removes a site and reloads; the certificate is kept unless asked.
import type { CommandModule } from "../cli/command.js";
import { runRemove } from "../sites/run-remove.js";

export const removeCommand: CommandModule = {
  command: "remove <name>",
  describe: "remove a site (nginx -t, reload); the certificate is kept unless --delete-cert",
  builder: (yargs) =>
    yargs
      .positional("name", { type: "string", describe: "the site's name (its first domain)" })
      .option("delete-cert", { type: "boolean", describe: "also delete the certificate with certbot" }),
  run: async (args, settings, context) => {
    const result = await runRemove(settings, context.exec, { name: String(args.name), deleteCert: args["delete-cert"] === true, env: context.env });
    context.stderr.write(
      `removed ${result.siteFile}${result.reloaded ? "; nginx reloaded" : "; nginx is not running"}${result.certificateDeleted ? `; certificate ${String(args.name)} deleted` : "; the certificate is kept"}\n`,
    );
    return 0;
  },
};
