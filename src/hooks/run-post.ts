// `ngcert hook post`: after a renewal run, every certificate nginx uses must be the one on disk; whatever reload is
// still pending (a lineage renewed without ngcert's deploy hook) happens here, once.
import path from "node:path";
import { collectFacts } from "../status/collect-status.js";
import type { Exec } from "../exec.js";
import { findCertificateUsers } from "../nginx/certificate-users.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import { namesToProbe, servedTarget } from "../served/served-target.js";
import { checkServed, waitUntilServed } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";
import { rollBackLineage } from "../deploy/lineage-versions.js";

export interface PostSummary {
  checked: string[];
  /** Lineages nginx served an older certificate for, before the reload. */
  stale: string[];
  reloaded: boolean;
  /** Lineages still not served after the reload, with why. */
  failed: string[];
  nginxRunning: boolean;
  /** Deferred versions refused here, with where live/ points now. */
  rolledBack: string[];
}

export interface PostOptions {
  /** false (a dry run): only report what is stale. */
  reload: boolean;
  /** Lineages whose deploy hook left the reload to this post hook; refused here if nginx does not serve them. */
  pending?: readonly string[];
  now?: Date;
}

export async function runPost(settings: Settings, exec: Exec, options: PostOptions = { reload: true }): Promise<PostSummary> {
  const now = options.now ?? new Date();
  const refuse = (name: string, reason: string): string => rollBackLineage(path.join(settings.letsencryptDir, "live", name), reason, now);
  let nginx;
  try {
    nginx = await readNginxDump(settings, exec);
  } catch (error) {
    // A configuration broken since the deferred deploys: nginx must not load those versions; refuse them all.
    const pending = options.pending ?? [];
    const reason = error instanceof Error ? error.message : String(error);
    for (const name of pending) refuse(name, reason);
    if (pending.length > 0 && error instanceof Error) error.message = `${error.message}; refused ${pending.join(", ")}: live/ points at the previous versions again`;
    throw error;
  }
  const summary: PostSummary = { checked: [], stale: [], reloaded: false, failed: [], nginxRunning: false, rolledBack: [] };
  summary.nginxRunning = isNginxRunning(nginx);
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
  const pending = new Set(options.pending ?? []);
  try {
    await testNginxConfig(settings, exec);
  } catch (error) {
    // Only the versions deferred in this run changed since nginx last loaded: refuse them all, then try again.
    if (pending.size === 0) throw error;
    for (const name of pending) summary.rolledBack.push(`${name}: ${refuse(name, error instanceof Error ? error.message : String(error))}`);
    await testNginxConfig(settings, exec);
  }
  await reloadNginx(settings, exec);
  summary.reloaded = true;
  for (const { facts, domains } of probes.filter((probe) => summary.stale.includes(probe.facts.name))) {
    const checks = await waitUntilServed(target, domains, facts.fingerprint!, { timeoutMs: 10_000 });
    const wrong = checks.filter((check) => !check.matches).map((check) => check.domain);
    if (wrong.length === 0) continue;
    summary.failed.push(`${facts.name} (${wrong.join(", ")})`);
    if (pending.has(facts.name)) summary.rolledBack.push(`${facts.name}: ${refuse(facts.name, `nginx does not serve it after the reload (${wrong.join(", ")})`)}`);
  }
  if (summary.rolledBack.length > 0) {
    // Back onto the previous certificates the refused versions replaced.
    await testNginxConfig(settings, exec);
    await reloadNginx(settings, exec);
  }
  return summary;
}
