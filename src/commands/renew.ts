// `ngcert renew [--force] [--cert-name NAME] [--dry-run]`: renews what is due (or everything with --force) through
// certbot with ngcert's hooks, then says for each certificate what happened and why.
import type { CommandModule } from "./command-module.js";
import { describeReload } from "../deploy/describe-service.js";
import { escapeControl } from "../errors.js";
import { runRenew } from "../renew/run-renew.js";
import { describeAriNote, describeConfSync, describeLineageRenewal } from "../renewal/describe-renewal.js";
import { runAsIssuer, type IssuerRun } from "../cluster/run-as-issuer.js";
import { isSyncFailure, renderSyncLines } from "../cluster/render-sync.js";
import type { Exec } from "../exec.js";

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
    const renew = (exec: Exec, env: Record<string, string | undefined>) =>
      runRenew(settings, exec, {
        force: args.force === true,
        certName: typeof args["cert-name"] === "string" ? args["cert-name"] : undefined,
        dryRun,
        env,
        showProgress: context.isTTY,
        now: context.now,
      });
    // On a cluster only the issuer orders, and every node is brought up to date afterwards (src/cluster/).
    const cluster = settings.cluster ? await runAsIssuer(settings, context.exec, { purpose: "renew", env: context.env, now: context.now }, renew) : undefined;
    const summary = cluster ? cluster.result : await renew(context.exec, context.env);
    const say = (line: string): void => context.stderr.write(`${escapeControl(line)}\n`);
    const nodesFailed = cluster ? reportCluster(cluster, say) : false;
    for (const line of summary.repaired) say(line);
    if (!summary.hooksInstalled) say("warning: ngcert's certbot hooks are not installed (run `ngcert init`): renewed certificates were checked and reloaded only after certbot finished");
    const failed = summary.lineages.filter((lineage) => lineage.status === "failed");
    if (dryRun) {
      say(
        summary.certbotExitCode === 0
          ? "dry run: every renewal would succeed (certbot skips deploy hooks on a dry run; live/ and nginx are unchanged)"
          : `dry run: some renewals would fail${failed.length > 0 ? `: ${failed.map((lineage) => lineage.name).join(", ")}` : ""}\n${summary.certbotOutput.trim()}`,
      );
      return summary.certbotExitCode === 0 && !nodesFailed ? 0 : 1;
    }
    for (const line of describeConfSync(summary.confs)) say(line);
    for (const note of summary.ari?.notes ?? []) say(describeAriNote(note));
    for (const lineage of summary.lineages) say(describeLineageRenewal(lineage));
    const reload = summary.reload ? describeReload(summary.reload) : undefined;
    if (reload !== undefined && summary.reload?.status !== "reloaded") say(reload);
    if (failed.length > 0 && summary.certbotOutput !== "") say(summary.certbotOutput.trim());
    if (summary.lineages.length === 0) say("no certificates to renew");
    const bad = summary.lineages.some((lineage) => ["failed", "refused", "renewed-not-served", "backoff"].includes(lineage.status));
    return bad || nodesFailed ? 1 : 0;
  },
};

/** The other nodes after a renewal on the issuer; true when one of them failed. */
function reportCluster(run: IssuerRun<unknown>, say: (line: string) => void): boolean {
  for (const pull of run.pulled) {
    if (pull.pulled.length > 0) say(`fetched from ${pull.from}, which issued it before this node: ${pull.pulled.join(", ")}`);
    if (pull.error !== undefined) say(`could not fetch from ${pull.from} what it issued: ${pull.error}`);
  }
  for (const entry of run.behind) {
    say(`${entry.name}: not renewed here: ${entry.record.node} renewed it (${entry.record.time}) and that certificate has not reached this node yet; it is not ordered twice`);
  }
  for (const line of renderSyncLines(run.sync)) say(line);
  return isSyncFailure(run.sync);
}
