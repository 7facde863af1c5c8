// `ngcert status [--json] [--warn-days N] [NAME...]`: every lineage, its dates and its problems.
import type { Argv } from "yargs";
import type { CommandModule, ParsedArgs } from "./command-module.js";
import { useColor } from "../context.js";
import { NgcertError } from "../errors.js";
import { collectStatus } from "../status/collect-status.js";
import { renderStatusJson, renderStatusTable } from "../status/render-status.js";
import { runNodesStatus } from "./status-nodes.js";

export function parseWarnDays(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || Number(text) > 36_500) {
    throw new NgcertError("USAGE", `--warn-days ${JSON.stringify(value)} is not a whole number of days`);
  }
  return Number(text);
}

/** What status and verify share: NAME..., --json, --warn-days. */
export function addCertificateListOptions(yargs: Argv): Argv {
  return yargs
    .positional("names", { type: "string", array: true, describe: "certificate names (default: all)" })
    .option("json", { type: "boolean", describe: "print one JSON document" })
    .option("warn-days", { type: "string", requiresArg: true, describe: "warn when fewer days are left [a sixth of the lifetime]" });
}

export function readCertificateListOptions(args: ParsedArgs): { names: string[]; warnDays: number | undefined } {
  return { names: ((args.names as string[] | undefined) ?? []).map(String), warnDays: parseWarnDays(args["warn-days"]) };
}

export const statusCommand: CommandModule = {
  command: "status [names..]",
  describe: "show every certificate: domains, expiry, issuer, problems (exit 1 when any)",
  builder: (yargs) => addCertificateListOptions(yargs).option("nodes", { type: "boolean", describe: "also every lineage on every node of the cluster" }),
  run: async (args, settings, context) => {
    const { names, warnDays } = readCertificateListOptions(args);
    const now = context.now();
    // A cluster's view: the same certificates, plus what every node holds and serves (src/cluster/node-status.ts).
    if (args.nodes === true) return runNodesStatus(args, settings, context, { names, warnDays });
    const certificates = await collectStatus({
      letsencryptDir: settings.letsencryptDir,
      names,
      now,
      warnDays,
      cacheDir: settings.cacheDir,
      workerScript: context.workerScript,
      warn: (message) => context.stderr.write(`warning: ${message}\n`),
    });
    context.stdout.write(args.json ? renderStatusJson(certificates) : renderStatusTable(certificates, useColor(context), now));
    return certificates.some((cert) => cert.problems.length > 0) ? 1 : 0;
  },
};
