// add's preflight: the challenge path for every name fetched as the CA fetches it, before any order at the CA. A
// name that fails is explained by doctor's analysis of nginx's configuration (the block and directive that decide)
// with the fix, so following the message makes the next `ngcert add` succeed.
import { challengeSettingsOf } from "../checks/challenge-paths.js";
import { judgeChallenge } from "../checks/challenge-findings.js";
import { predictChallenge } from "../checks/predict-challenge.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { readNginxState } from "../nginx/read-nginx-state.js";
import { acmeSnippetPath } from "../nginx/render-acme.js";
import { resolveLocalAddresses } from "../served/local-address.js";
import { probeAcmePath, type AcmeProbe } from "../served/probe-acme-path.js";
import { localAddress } from "../served/served-target.js";
import type { Settings } from "../settings/settings.js";

/**
 * The challenge path for every name, fetched as the CA fetches it (redirects followed to http/https on the HTTP and
 * HTTPS ports, at the address the name reaches on this host). When it fails, the configuration analysis that doctor
 * uses says which block and directive decide, and how to fix them.
 */
export async function preflight(settings: Settings, exec: Exec, name: string, domains: readonly string[]): Promise<void> {
  const local = await resolveLocalAddresses(domains);
  const probes = await probeAcmePath({
    webroot: settings.webroot,
    domains,
    httpPort: settings.httpPort,
    httpsPort: settings.httpsPort,
    addressFor: (host) => local.get(host.toLowerCase()) ?? localAddress(settings),
  });
  const failed = probes.filter((probe) => !probe.ok);
  if (failed.length === 0) return;
  const explained = await explainChallenges(settings, exec, name, failed, local);
  const snippet = acmeSnippetPath(settings.nginxDir);
  const lines = failed.map((probe) => {
    const why = explained.get(probe.domain);
    return `  ${probe.domain}: ${probe.seen}${why ? `\n    why: ${why.reason}${why.fix ? `\n    fix: ${why.fix}` : ""}` : ""}`;
  });
  const advice = [...explained.values()].some((why) => why.fix)
    ? "Then run the same ngcert add again."
    : `A port-${settings.httpPort} server block of your own probably answers for that name: add \`include ${snippet};\` inside it ` +
      "(`ngcert init` names such blocks), reload nginx and try again.";
  throw new NgcertError(
    "PROBLEMS",
    `the challenge path does not work through nginx on port ${settings.httpPort}, so the CA could not validate:\n${lines.join("\n")}\n${advice} The CA was not contacted; nothing was changed.`,
  );
}

/**
 * Why each name fails and what fixes it, from nginx's configuration (doctor's analysis: the block and directive that
 * decide); empty when the configuration cannot be read.
 */
async function explainChallenges(settings: Settings, exec: Exec, name: string, failed: readonly AcmeProbe[], local: ReadonlyMap<string, string | undefined>): Promise<Map<string, { reason: string; fix: string | undefined }>> {
  const explained = new Map<string, { reason: string; fix: string | undefined }>();
  const snippet = acmeSnippetPath(settings.nginxDir);
  try {
    const nginx = await readNginxState(settings, exec);
    const challenge = challengeSettingsOf(settings);
    for (const probe of failed) {
      // The configuration's account of the request the probe made, judged against what the probe saw.
      const prediction = predictChallenge({ servers: nginx.servers, http: nginx.tree.http, prefix: nginx.prefix }, {
        domain: probe.domain,
        webroot: settings.webroot,
        token: /acme-challenge\/([^/?#]+)/.exec(probe.hops[0]?.url ?? "")?.[1] ?? "token",
        httpPort: settings.httpPort,
        httpsPort: settings.httpsPort,
        addressFor: (host) => local.get(host.toLowerCase()) ?? localAddress(settings),
      });
      const judged = judgeChallenge(prediction, probe, { lineage: name, snippetPath: challenge.snippetPath, catchAllPath: challenge.catchAllPath, servers: nginx.servers, purpose: `the shared webroot ${settings.webroot}` });
      if (!judged) continue;
      // The analysis's account of the path, without the CA's view the line above already gives.
      const reason = judged.finding.message.replace(/^\S+: /, "").replace(/ \(the CA would see: .*\)$/, "");
      const repair = judged.repair;
      const fix =
        repair?.kind === "move-redirect"
          ? `in the server block at ${repair.file}:${repair.line}, move the server-level return/rewrite/if into \`location / { ... }\` (at server level it runs before any location) and add \`include ${snippet};\``
          : repair?.kind === "add-include"
            ? `add \`include ${snippet};\` inside the server block at ${repair.file}:${repair.line}`
            : repair?.kind === "own-location"
              ? `replace the challenge location at ${repair.file}:${repair.line} with \`include ${snippet};\``
              : undefined;
      explained.set(probe.domain, { reason, fix: fix === undefined ? undefined : `${fix}, then reload nginx (\`ngcert doctor --fix\` can make these changes once the lineage exists)` });
    }
  } catch {
    // No configuration to read (nginx -T fails, or no nginx here): the probe's words stand alone.
  }
  return explained;
}

