// `ngcert hook pre|deploy|post`: what certbot runs from its renewal-hooks directories (through the shims init installs).
import type { CommandModule } from "../cli/command.js";
import { runDeploy } from "../deploy/run-deploy.js";
import { finishRenewRun, findCertbotPid, startRenewRun } from "../hooks/renew-run.js";
import { runPost } from "../hooks/run-post.js";
import { runPreChecks } from "../hooks/run-pre.js";
import { DRY_RUN_ENV } from "../renew/run-renew.js";

export const hookCommand: CommandModule = {
  command: "hook <phase>",
  describe: "what certbot runs around a renewal: pre (checks), deploy (verify, reload, prove served), post (pending reloads)",
  builder: (yargs) => yargs.positional("phase", { type: "string", choices: ["pre", "deploy", "post"], describe: "which hook" }),
  run: async (args, settings, context) => {
    // certbot logs any stderr of a hook as a warning: what went well goes to stdout, problems to stderr.
    const say = (line: string): void => context.stderr.write(`ngcert hook ${String(args.phase)}: ${line}\n`);
    const tell = (line: string): void => context.stdout.write(`ngcert hook ${String(args.phase)}: ${line}\n`);
    if (args.phase === "pre") {
      const problems = await runPreChecks(settings, context.exec);
      for (const problem of problems) say(problem);
      if (problems.length === 0) tell("webroot, nginx and the challenge path are ready");
      // Deploy hooks of this certbot run then leave the reload to the post hook: one reload for the whole run.
      const certbotPid = findCertbotPid();
      if (certbotPid !== undefined && context.env[DRY_RUN_ENV] !== "1") startRenewRun(settings.letsencryptDir, certbotPid);
      return problems.length === 0 ? 0 : 1;
    }
    if (args.phase === "deploy") {
      const outcome = await runDeploy(settings, context.exec, {
        renewedLineage: context.env.RENEWED_LINEAGE,
        renewedDomains: (context.env.RENEWED_DOMAINS ?? "").split(/\s+/).filter(Boolean),
        now: context.now,
        env: context.env,
      });
      const label = `${outcome.facts.name}: version ${outcome.version ?? "?"}`;
      if (outcome.status === "unused") tell(`${label} verified on disk (no nginx site uses it yet)`);
      else if (outcome.status === "deferred") tell(`${label} verified; nginx reloads once for the whole renewal run, in the post hook`);
      else tell(`${label} ${outcome.status === "reloaded" ? "deployed" : "already served"}; nginx serves it for ${outcome.served.map((check) => check.domain).join(", ")}`);
      return 0;
    }
    // During `ngcert renew --dry-run` certbot still runs post hooks: report, but leave nginx alone.
    const pending = finishRenewRun(settings.letsencryptDir);
    const summary = await runPost(settings, context.exec, { reload: context.env[DRY_RUN_ENV] !== "1", pending, now: context.now() });
    if (!summary.nginxRunning) {
      say("nginx is not running: no certificate is served; start nginx");
      return 1;
    }
    const failed = summary.failed.length > 0 || summary.rolledBack.length > 0;
    (failed ? say : tell)(`${summary.checked.length} certificate(s) in use by nginx checked${summary.stale.length > 0 ? `; ${summary.stale.join(", ")} were stale` : ", all served as on disk"}${summary.reloaded ? "; nginx reloaded" : ""}`);
    for (const failure of summary.failed) say(`still not served after the reload: ${failure}`);
    for (const refused of summary.rolledBack) say(`refused: ${refused}`);
    // The run's summary: what this run's deploy hooks verified, and what certbot says failed (newer certbots set
    // RENEWED_DOMAINS / FAILED_DOMAINS for post hooks; 2.1 does not).
    const notServed = new Set([...summary.failed.map((line) => line.split(" ")[0]), ...summary.rolledBack.map((line) => line.split(":")[0])]);
    const renewed = pending.filter((name) => !notServed.has(name));
    if (renewed.length > 0) tell(`renewed in this run and served: ${renewed.join(", ")}`);
    const failedDomains = (context.env.FAILED_DOMAINS ?? "").trim();
    if (failedDomains !== "") say(`certbot could not renew: ${failedDomains}`);
    return summary.failed.length === 0 && failedDomains === "" ? 0 : 1;
  },
};
