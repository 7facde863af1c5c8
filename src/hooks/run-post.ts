// `ngcert hook post`: after a renewal run, every certificate nginx uses must be the one on disk; whatever reload is
// still pending (a lineage renewed without ngcert's deploy hook) happens here, once.
import path from "node:path";
import { collectFacts } from "../status/collect-status.js";
import type { Exec } from "../exec.js";
import { findCertificateUsers } from "../nginx/certificate-users.js";
import { readRunningNginxPid, reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { readNginxDump } from "../nginx/read-nginx-dump.js";
import { namesToProbe, servedTarget } from "../served/served-target.js";
import { checkServed, waitUntilServed } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";

export interface PostSummary {
  checked: string[];
  /** Lineages nginx served an older certificate for, before the reload. */
  stale: string[];
  reloaded: boolean;
  /** Lineages still not served after the reload, with why. */
  failed: string[];
  nginxRunning: boolean;
}

/** `reload: false` (a dry run) only reports what is stale. */
export async function runPost(settings: Settings, exec: Exec, options: { reload: boolean } = { reload: true }): Promise<PostSummary> {
  const nginx = await readNginxDump(settings, exec);
  const summary: PostSummary = { checked: [], stale: [], reloaded: false, failed: [], nginxRunning: false };
  summary.nginxRunning = nginx.pidFile !== undefined && readRunningNginxPid(nginx.pidFile) !== undefined;
  if (!summary.nginxRunning) return summary;
  const target = servedTarget(settings);
  const used = (await collectFacts({ letsencryptDir: settings.letsencryptDir, names: [] }))
    .map((facts) => ({ facts, users: findCertificateUsers(nginx.files, path.dirname(facts.paths.cert)) }))
    .filter(({ facts, users }) => users.length > 0 && facts.fingerprint !== undefined);
  const probes = used.map(({ facts, users }) => ({ facts, domains: namesToProbe(facts.domains, users.flatMap((user) => user.serverNames)) }));
  for (const { facts, domains } of probes) {
    summary.checked.push(facts.name);
    const checks = await checkServed(target, domains, facts.fingerprint!);
    if (checks.some((check) => !check.matches)) summary.stale.push(facts.name);
  }
  if (summary.stale.length === 0 || !options.reload) return summary;
  await testNginxConfig(settings, exec);
  await reloadNginx(settings, exec);
  summary.reloaded = true;
  for (const { facts, domains } of probes.filter((probe) => summary.stale.includes(probe.facts.name))) {
    const checks = await waitUntilServed(target, domains, facts.fingerprint!, { timeoutMs: 10_000 });
    const wrong = checks.filter((check) => !check.matches).map((check) => check.domain);
    if (wrong.length > 0) summary.failed.push(`${facts.name} (${wrong.join(", ")})`);
  }
  return summary;
}
