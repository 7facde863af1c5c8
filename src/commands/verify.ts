// `ngcert verify [NAME...] [--json]`: status's checks, plus a TLS handshake per domain: does nginx serve what is on disk?
import type { CommandModule } from "../cli/command.js";
import { useColor } from "../context.js";
import { readServiceState } from "../deploy/service-state.js";
import { servedTarget } from "../served/served-target.js";
import { verifyLineages } from "../served/verify-lineages.js";
import { collectFacts } from "../status/collect-status.js";
import { readTimingState } from "../timing/timing-state.js";
import { renderStatusJson, renderStatusTable } from "../status/render-status.js";
import { addCertificateListOptions, readCertificateListOptions } from "./status.js";

export const verifyCommand: CommandModule = {
  command: "verify [names..]",
  describe: "status, plus a TLS handshake per domain to check nginx serves the certificate on disk",
  builder: addCertificateListOptions,
  run: async (args, settings, context) => {
    const { names, warnDays } = readCertificateListOptions(args);
    const warn = (message: string): void => context.stderr.write(`warning: ${message}\n`);
    const all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: context.workerScript, warn });
    const now = context.now();
    const certificates = await verifyLineages(all, { target: servedTarget(settings), now, warnDays, waiting: readServiceState(settings.letsencryptDir).waiting, timing: readTimingState(settings.letsencryptDir).lineages });
    context.stdout.write(args.json ? renderStatusJson(certificates) : renderStatusTable(certificates, useColor(context), now));
    return certificates.some((cert) => cert.problems.length > 0) ? 1 : 0;
  },
};
