// `ngcert verify [NAME...] [--json]`: status's checks, plus a TLS handshake per domain: does nginx serve what is on disk?
// A version that passed the deploy checks but waits for a reload (someone else's file breaks nginx -t) says so.
import type { CommandModule } from "../cli/command.js";
import { useColor } from "../context.js";
import { readServiceState } from "../deploy/service-state.js";
import { servedProblems } from "../served/served-problems.js";
import { servedTarget } from "../served/served-target.js";
import { fetchServed } from "../served/wait-until-served.js";
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
    const allFacts = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: context.workerScript, warn: (message) => context.stderr.write(`warning: ${message}\n`) });
    const domainsOf = (facts: (typeof allFacts)[number]): string[] => (facts.fingerprint === undefined ? [] : facts.domains.filter((domain) => !domain.startsWith("*.")));
    const served = await fetchServed(target, allFacts.flatMap(domainsOf));
    const waiting = readServiceState(settings.letsencryptDir).waiting;
    const certificates = allFacts.map((facts) => {
      const status = toStatus(facts, now, warnDays);
      const checks = domainsOf(facts).map((domain) => {
        const result = served.get(domain)!;
        return { domain, result, matches: result.ok && result.fingerprint === facts.fingerprint };
      });
      const wait = Object.hasOwn(waiting, facts.name) ? waiting[facts.name] : undefined;
      return { ...status, problems: [...status.problems, ...servedProblems(facts, checks, target.port, wait)] };
    });
    context.stdout.write(args.json ? renderStatusJson(certificates) : renderStatusTable(certificates, useColor(context)));
    return certificates.some((cert) => cert.problems.length > 0) ? 1 : 0;
  },
};
