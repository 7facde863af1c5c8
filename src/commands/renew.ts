// `ngcert renew [--force] [--cert-name NAME] [--dry-run]`: renews what is due (or everything with --force) through
// certbot with ngcert's hooks, then says for each certificate what happened and why.
import type { CommandModule } from "./command-module.js";
import { describeReload } from "../deploy/describe-service.js";
import { escapeControl } from "../errors.js";
import { runRenew } from "../renew/run-renew.js";
import { describeAriNote, describeConfSync, describeLineageRenewal } from "../renewal/describe-renewal.js";

export const renewCommand: CommandModule = {
  command: "renew",
  describe: "renew what is due (the CA's renewal window, a third of the lifetime left, or your renew_before_expiry) through certbot with ngcert's hooks, and say why",
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
      now: context.now,
    });
    const say = (line: string): void => context.stderr.write(`${escapeControl(line)}\n`);
    for (const line of summary.repaired) say(line);
    if (!summary.hooksInstalled) say("warning: ngcert's certbot hooks are not installed (run `ngcert init`): renewed certificates were checked and reloaded only after certbot finished");
    const failed = summary.lineages.filter((lineage) => lineage.status === "failed");
    if (dryRun) {
      say(
        summary.certbotExitCode === 0
          ? "dry run: every renewal would succeed (certbot skips deploy hooks on a dry run; live/ and nginx are unchanged)"
          : `dry run: some renewals would fail${failed.length > 0 ? `: ${failed.map((lineage) => lineage.name).join(", ")}` : ""}\n${summary.certbotOutput.trim()}`,
      );
      return summary.certbotExitCode === 0 ? 0 : 1;
    }
    for (const line of describeConfSync(summary.confs)) say(line);
    for (const note of summary.ari?.notes ?? []) say(describeAriNote(note));
    for (const lineage of summary.lineages) say(describeLineageRenewal(lineage));
    const reload = summary.reload ? describeReload(summary.reload) : undefined;
    if (reload !== undefined && summary.reload?.status !== "reloaded") say(reload);
    if (failed.length > 0 && summary.certbotOutput !== "") say(summary.certbotOutput.trim());
    if (summary.lineages.length === 0) say("no certificates to renew");
    const bad = summary.lineages.some((lineage) => ["failed", "refused", "renewed-not-served", "backoff"].includes(lineage.status));
    return bad ? 1 : 0;
  },
};
