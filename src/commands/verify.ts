// `ngcert verify [NAME...] [--json]`: status's checks, plus a TLS handshake per domain: does nginx serve what is on disk?
import type { CommandModule } from "./command-module.js";
import { useColor } from "../context.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { liveDirOf, probesFor } from "../deploy/judge-lineage.js";
import { readServiceState } from "../deploy/service-state.js";
import { indexCertificateUsers } from "../nginx/certificate-users.js";
import { readNginxDump } from "../nginx/read-nginx-dump.js";
import { probeConcurrency, workerConnectionsOf } from "../served/probe-served.js";
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
    // nginx -T (nginx loads every certificate to test its configuration) runs while the lineages are read.
    const dumping = readNginxDump(settings, context.exec).catch(() => undefined);
    const all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: context.workerScript, warn });
    const now = context.now();
    const target = servedTarget(settings);
    // Where the blocks using each lineage take TLS connections; without nginx's configuration, where ngcert's sites do.
    const nginx = await dumping;
    const usersOf = nginx ? indexCertificateUsers(nginx) : undefined;
    const probesOf = usersOf
      ? (facts: LineageFacts) => {
          // Every name the certificate covers, at every place a block using it listens (SPEC: every domain).
          const places = [...new Map(probesFor(facts, usersOf(liveDirOf(facts)), target).map((probe) => [`${probe.host}|${probe.port}`, probe])).values()];
          return places.flatMap((place) => facts.domains.filter((domain) => !domain.startsWith("*.")).map((name) => ({ name, host: place.host, port: place.port })));
        }
      : undefined;
    const certificates = await verifyLineages(all, {
      target,
      probesOf,
      now,
      warnDays,
      waiting: readServiceState(settings.letsencryptDir).waiting,
      timing: readTimingState(settings.letsencryptDir).lineages,
      concurrency: probeConcurrency(nginx ? workerConnectionsOf(nginx.files) : undefined),
    });
    context.stdout.write(args.json ? renderStatusJson(certificates) : renderStatusTable(certificates, useColor(context), now));
    return certificates.some((cert) => cert.problems.length > 0) ? 1 : 0;
  },
};
