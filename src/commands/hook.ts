// `ngcert hook pre|deploy|post`: what certbot runs from its renewal-hooks directories (through the shims init installs).
import type { CommandModule } from "./command-module.js";
import type { LineageService, LineageServiceStatus, ServiceOutcome } from "../deploy/bring-into-service.js";
import type { Context } from "../context.js";
import { describeError } from "../errors.js";
import { pushAfterIssuance } from "../cluster/push-after-issuance.js";
import { isSyncFailure, renderSyncLines } from "../cluster/render-sync.js";
import type { Settings } from "../settings/settings.js";
import { findCertbotPid } from "../deploy/renew-run.js";
import { runDeployHook } from "../hooks/run-deploy-hook.js";
import { runPostHook } from "../hooks/run-post.js";
import { runPreHook } from "../hooks/run-pre.js";
import { DRY_RUN_ENV } from "../certbot/prove-renewal.js";
import { describeLineage, describeReload, isFailure } from "../deploy/describe-service.js";
import { describeConfSync } from "../renewal/describe-renewal.js";

export const hookCommand: CommandModule = {
  command: "hook <phase>",
  describe: "what certbot runs around a renewal: pre (checks), deploy (verify, reload, prove served), post (pending reloads)",
  builder: (yargs) => yargs.positional("phase", { type: "string", choices: ["pre", "deploy", "post"], describe: "which hook" }),
  run: async (args, settings, context) => {
    // certbot logs any stderr of a hook as a warning: what went well goes to stdout, problems to stderr.
    const say = (line: string): void => context.stderr.write(`ngcert hook ${String(args.phase)}: ${line}\n`);
    const tell = (line: string): void => context.stdout.write(`ngcert hook ${String(args.phase)}: ${line}\n`);
    const dryRun = context.env[DRY_RUN_ENV] === "1";
    if (args.phase === "pre") {
      const result = await runPreHook(settings, context.exec, { env: context.env, certbotPid: findCertbotPid(), dryRun });
      for (const problem of result.problems) say(problem);
      if (result.problems.length === 0) tell("webroot, nginx and the challenge path are ready");
      return result.problems.length === 0 ? 0 : 1;
    }
    if (args.phase === "deploy") {
      const result = await runDeployHook(settings, context.exec, {
        renewedLineage: context.env.RENEWED_LINEAGE,
        renewedDomains: (context.env.RENEWED_DOMAINS ?? "").split(/\s+/).filter(Boolean),
        now: context.now,
        env: context.env,
      });
      report(result.outcome, say, tell, result.name);
      for (const line of describeConfSync(result.confs)) (line.startsWith("warning:") ? say : tell)(line);
      // On a cluster the new certificate goes to every node; inside a renewal run the post hook sends them all at once.
      const pushed = result.deferred || !PUSHED.has(result.lineage.status) ? false : await pushToNodes(settings, context, [result.name], say, tell);
      return isFailure(result.outcome) || pushed === "failed" ? 1 : 0;
    }
    // During `ngcert renew --dry-run` certbot still runs post hooks, but nothing in live/ changed: leave nginx alone.
    if (dryRun) {
      tell("dry run: nothing to bring into service");
      return 0;
    }
    const result = await runPostHook(settings, context.exec, { now: context.now(), env: context.env });
    report(result.outcome, say, tell, undefined);
    const inUse = result.outcome.lineages.filter((lineage) => lineage.domains.length > 0);
    const brought = result.outcome.lineages.filter((lineage) => lineage.status === "served").map((lineage) => lineage.name);
    if (!isFailure(result.outcome)) {
      tell(`${inUse.length} certificate(s) in use by nginx checked${brought.length > 0 ? `; ${brought.join(", ")} brought into service with one reload` : ", all served as on disk"}`);
    }
    // In the order certbot renewed them (its deploy hooks queued them so).
    const servedNow = new Set(result.outcome.lineages.filter((lineage) => lineage.status === "served" || lineage.status === "already-served").map((lineage) => lineage.name));
    const renewed = result.pending.filter((name) => servedNow.has(name));
    if (renewed.length > 0) {
      tell(`renewed in this run and served: ${renewed.join(", ")}`);
      // From when certbot started this hook's process: what a renewal run of many lineages waits for (issue 16).
      tell(`${renewed.length} renewed certificate(s) proven served ${Math.round(context.now().getTime() - performance.timeOrigin)} ms after this hook started`);
    }
    // certbot 2.3 and later tell post hooks what failed; 2.1 does not.
    const failedDomains = (context.env.FAILED_DOMAINS ?? "").trim();
    if (failedDomains !== "") say(`certbot could not renew: ${failedDomains}`);
    const statusOf = new Map(result.outcome.lineages.map((lineage) => [lineage.name, lineage.status]));
    const issued = [...new Set([...result.pending, ...result.outcome.lineages.filter((lineage) => lineage.status === "served").map((lineage) => lineage.name)])].filter((name) => PUSHED.has(statusOf.get(name) ?? "unused"));
    const pushed = await pushToNodes(settings, context, issued, say, tell);
    return isFailure(result.outcome) || failedDomains !== "" || pushed === "failed" ? 1 : 0;
  },
};

/** What passed the deploy checks here and so goes to the other nodes of a cluster (a refused version never does). */
const PUSHED = new Set<LineageServiceStatus>(["served", "already-served", "unused", "waiting", "not-served"]);

/** Sends what certbot just issued to every other node of a cluster (nothing without one); "failed" when a node failed. */
async function pushToNodes(settings: Settings, context: Context, names: readonly string[], say: (line: string) => void, tell: (line: string) => void): Promise<"none" | "ok" | "failed"> {
  if (!settings.cluster || names.length === 0) return "none";
  try {
    const result = await pushAfterIssuance(settings, context.exec, names, { now: context.now(), env: context.env });
    if (!result) return "none";
    const failed = isSyncFailure(result);
    for (const line of renderSyncLines(result)) (failed ? say : tell)(line);
    return failed ? "failed" : "ok";
  } catch (error) {
    say(`the other nodes of the cluster were not brought up to date: ${describeError(error)}; ngcert cluster run (or ngcert cluster sync) retries`);
    return "failed";
  }
}

/** One line per lineage that changed or has a problem, then the reload: stdout when well, stderr when not. */
function report(outcome: ServiceOutcome, say: (line: string) => void, tell: (line: string) => void, focus: string | undefined): void {
  for (const line of outcome.repaired) tell(line);
  for (const warning of outcome.warnings) say(`warning: ${warning}`);
  const shown = outcome.lineages.filter((lineage: LineageService) => lineage.name === focus || lineage.status !== "already-served");
  for (const lineage of shown) {
    const line = describeLineage(lineage);
    (lineage.status === "refused" || lineage.status === "waiting" || lineage.status === "not-served" ? say : tell)(line);
    for (const note of lineage.notes) say(`${lineage.name}: note: ${note}`);
  }
  const reload = describeReload(outcome.reload);
  // A blocked reload is already the reason on each waiting lineage's line.
  const said = outcome.reload.status === "blocked" && outcome.lineages.some((lineage) => lineage.status === "waiting");
  if (reload !== undefined && !said) (outcome.reload.status === "reloaded" || outcome.reload.status === "not-needed" ? tell : say)(reload);
}
