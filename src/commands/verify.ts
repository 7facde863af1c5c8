// `ngcert verify [NAME...] [--json]`: status's checks, plus a TLS handshake per domain: does nginx serve what is on disk?
import type { CommandModule } from "../cli/command.js";
import { useColor } from "../context.js";
import { servedProblems } from "../served/served-problems.js";
import { servedTarget } from "../served/served-target.js";
import { checkServed } from "../served/wait-until-served.js";
import { collectFacts, toStatus } from "../status/collect-status.js";
import { renderStatusJson, renderStatusTable } from "../status/render-status.js";
import { addCertificateListOptions, readCertificateListOptions } from "./status.js";

export const verifyCommand: CommandModule = {
  command: "verify [names..]",
  describe: "status, plus a TLS handshake per domain to check nginx serves the certificate on disk",
  builder: addCertificateListOptions,
  run: async (args, settings, context) => {
    const { names, warnDays } = readCertificateListOptions(args);
    const now = context.now();
    const target = servedTarget(settings);
    const allFacts = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: context.workerScript });
    const certificates = await Promise.all(
      allFacts.map(async (facts) => {
        const status = toStatus(facts, now, warnDays);
        if (facts.fingerprint === undefined) return status;
        const domains = facts.domains.filter((domain) => !domain.startsWith("*.") && !/^[\d.:]+$/.test(domain));
        const checks = await checkServed(target, domains, facts.fingerprint);
        return { ...status, problems: [...status.problems, ...servedProblems(facts, checks, target.port)] };
      }),
    );
    context.stdout.write(args.json ? renderStatusJson(certificates) : renderStatusTable(certificates, useColor(context)));
    return certificates.some((cert) => cert.problems.length > 0) ? 1 : 0;
  },
};
