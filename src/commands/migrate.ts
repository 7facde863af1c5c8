// `ngcert migrate [NAME...] [--dry-run]`: switch lineages from standalone (or nginx, or a webroot elsewhere) to the
// shared webroot, proven by certbot itself, or left exactly as they were.
import type { CommandModule } from "./command-module.js";
import { writeFindingsText } from "../doctor/render-findings.js";
import { runMigrate } from "../migrate/run-migrate.js";

export const migrateCommand: CommandModule = {
  command: "migrate [names..]",
  describe: "switch lineages to webroot renewals on the shared directory once every domain's challenge passes, proven by certbot renew --dry-run",
  builder: (yargs) =>
    yargs
      .positional("names", { type: "string", array: true, describe: "certificate names (default: every lineage that needs it)" })
      .option("dry-run", { type: "boolean", describe: "check the challenge paths and show each renewal conf change; change nothing" }),
  run: async (args, settings, context) => {
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    const report = await runMigrate(settings, context.exec, {
      names: ((args.names as string[] | undefined) ?? []).map(String),
      dryRun: args["dry-run"] === true,
      env: context.env,
      workerScript: context.workerScript,
      warn: (message) => say(`warning: ${message}`),
      onStart: (name) => say(`${name}: rewriting the renewal conf, then certbot renew --dry-run …`),
    });
    if (report.findings.length > 0) {
      writeFindingsText(report.findings, context.stdout);
      say("Nothing was changed: every domain's challenge must pass through nginx first. `ngcert doctor --fix` applies the fixes shown (`ngcert doctor` lists them).");
    }
    for (const result of report.results) {
      switch (result.status) {
        case "migrated":
        case "would-migrate": {
          const removed = result.removedKeys.length > 0 ? `; removed ${result.removedKeys.join(", ")}` : "";
          context.stdout.write(result.diff);
          context.stdout.write(`${result.status === "migrated" ? "migrated" : "would migrate"}: ${result.name} (${result.from} → webroot on ${settings.webroot}${removed}${result.status === "migrated" ? "; certbot renew --dry-run passed" : ""})\n`);
          break;
        }
        case "unchanged":
          context.stdout.write(`unchanged: ${result.name} (${result.reason})\n`);
          break;
        case "skipped":
          context.stdout.write(`skipped: ${result.name} (${result.reason})\n`);
          break;
        case "blocked":
          context.stdout.write(`blocked: ${result.name} (${result.reason})\n`);
          break;
        case "failed":
          context.stdout.write(`failed: ${result.name}: ${result.reason}\n`);
          break;
      }
    }
    if (report.results.length === 0) say("no certificates to migrate");
    return report.results.some((result) => result.status === "blocked" || result.status === "failed") ? 1 : 0;
  },
};
