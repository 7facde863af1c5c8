// `ngcert doctor [--json] [--fix] [NAME...]`: what will make the next renewal fail or leave it unserved, and the fix.
import type { CommandModule } from "./command-module.js";
import { runDoctor } from "../doctor/run-doctor.js";
import { writeFindingsJson, writeFindingsText } from "../doctor/render-findings.js";
import { checkClusterChallenges } from "../cluster/challenge-check.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";

/** The first name of each lineage: what the CA would ask the nodes for. */
async function challengeNames(settings: Settings, names: readonly string[]): Promise<string[]> {
  const all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir }).catch(() => []);
  return all.flatMap((facts) => facts.domains.filter((domain) => !domain.startsWith("*.")).slice(0, 1));
}

export const doctorCommand: CommandModule = {
  command: "doctor [names..]",
  describe: "find what will make the next renewal fail or leave it unserved, with the fix (exit 1 when anything)",
  builder: (yargs) =>
    yargs
      .positional("names", { type: "string", array: true, describe: "certificate names (default: all)" })
      .option("json", { type: "boolean", describe: "print one JSON document" })
      .option("fix", { type: "boolean", describe: "apply the fixes doctor fully understands, each shown as a diff, tested, reloaded and proven" }),
  run: async (args, settings, context) => {
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    const report = await runDoctor(settings, context.exec, {
      names: ((args.names as string[] | undefined) ?? []).map(String),
      fix: args.fix === true,
      // Where /etc/cron.d, /etc/systemd and /run/systemd are: "/" on a server, another tree for images and tests.
      systemRoot: context.env.NGCERT_SYSTEM_ROOT ?? "/",
      env: context.env,
      now: context.now,
      workerScript: context.workerScript,
      warn: (message) => say(`warning: ${message}`),
      onFix: (fix, outcome) => {
        if (!outcome) say(`fix: ${fix.what}\n${fix.diff.replace(/\n$/, "")}`);
        else say(outcome.applied ? `fixed: ${outcome.detail}` : `NOT fixed (${fix.id}): ${outcome.detail}`);
      },
    });
    // On a cluster, every node must answer the account's challenges, whichever node the balancer gives the CA.
    if (settings.cluster) report.findings.push(...(await checkClusterChallenges(settings, { hostNames: await challengeNames(settings, ((args.names as string[] | undefined) ?? []).map(String)) })));
    if (args.json) writeFindingsJson(report.findings, context.stdout);
    else writeFindingsText(report.findings, context.stdout);
    const errors = report.findings.filter((item) => item.severity === "error").length;
    if (!args.json) {
      say(
        report.findings.length === 0
          ? "nothing found: the next renewal will go through and be served"
          : `${report.findings.length} finding${report.findings.length === 1 ? "" : "s"} (${errors} error${errors === 1 ? "" : "s"})${args.fix === true ? "" : report.findings.some((item) => item.fix?.startsWith("--- ")) ? "; `ngcert doctor --fix` applies the diffs shown" : ""}`,
      );
    }
    return report.findings.length === 0 && report.fixes.every((outcome) => outcome.applied) ? 0 : 1;
  },
};
