// `ngcert renew [--force] [--cert-name NAME] [--dry-run]`: certbot renew with ngcert's hooks, and what it did.
import type { CommandModule } from "../cli/command.js";
import { runRenew } from "../renew/run-renew.js";

export const renewCommand: CommandModule = {
  command: "renew",
  describe: "run certbot renew with ngcert's hooks, then say what was renewed and whether nginx serves it",
  builder: (yargs) =>
    yargs
      .option("force", { type: "boolean", describe: "renew even certificates that are not due" })
      .option("cert-name", { type: "string", requiresArg: true, describe: "renew only this certificate" })
      .option("dry-run", { type: "boolean", describe: "test renewal against the staging CA; certbot skips deploy hooks, live/ and nginx stay as they are" }),
  run: async (args, settings, context) => {
    const dryRun = args["dry-run"] === true;
    const summary = await runRenew(settings, context.exec, {
      force: args.force === true,
      certName: typeof args["cert-name"] === "string" ? args["cert-name"] : undefined,
      dryRun,
      env: context.env,
      showProgress: context.isTTY,
    });
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    if (!summary.hooksInstalled) say("warning: ngcert's certbot hooks are not installed (run `ngcert init`): renewed certificates are not verified or reloaded");
    if (dryRun) {
      say(
        summary.certbotExitCode === 0
          ? "dry run: every renewal would succeed (certbot skips deploy hooks on a dry run; live/ and nginx are unchanged)"
          : `dry run: some renewals would fail${summary.failed.length > 0 ? `: ${summary.failed.join(", ")}` : ""}\n${summary.certbotOutput.trim()}`,
      );
      return summary.certbotExitCode === 0 ? 0 : 1;
    }
    const served = { yes: "nginx serves the new certificate", no: "NOT served by nginx: run `ngcert verify`", unused: "no nginx site uses it" };
    for (const lineage of summary.renewed) say(`renewed: ${lineage.name} (${served[lineage.served]})`);
    if (summary.notDue.length > 0) say(`not due: ${summary.notDue.join(", ")}`);
    for (const name of summary.failed) say(`failed: ${name}`);
    if (summary.failed.length > 0) say(summary.certbotOutput.trim());
    // Off a terminal certbot's output was captured, the hooks' lines with it: when a renewed certificate is not
    // served, what ngcert's hooks said (nginx down, a refused version) is the why.
    else if (!context.isTTY && summary.renewed.some((lineage) => lineage.served === "no")) {
      for (const match of summary.certbotOutput.matchAll(/^ (ngcert(?: hook \w+)?: .*)$/gm)) say(match[1]!);
    }
    if (summary.renewed.length === 0 && summary.failed.length === 0 && summary.notDue.length === 0) say("no certificates to renew");
    return summary.failed.length > 0 || summary.renewed.some((lineage) => lineage.served === "no") ? 1 : 0;
  },
};
