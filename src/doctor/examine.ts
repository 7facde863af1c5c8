// One examination of the server: nginx's configuration, every lineage's renewal conf, each domain's challenge path
// (shared webroot, and the lineage's own webroot when it uses another), certificate paths, schedulers, modes.
// Returns the findings and the file changes that fix those it fully understands.
import { existsSync } from "node:fs";
import path from "node:path";
import { checkCertificatePaths } from "../checks/certificate-path-findings.js";
import { challengeSettingsOf, checkChallengePaths, type ChallengeResult, type ChallengeSubject } from "../checks/challenge-paths.js";
import { finding, type Finding } from "../checks/finding.js";
import { checkLineageConf, effectiveWebroots, HOOK_KEYS } from "../checks/lineage-findings.js";
import { checkHookScripts } from "../checks/hook-script-findings.js";
import { checkRenewBeforeExpiry } from "../checks/renew-before-expiry-findings.js";
import { checkHookPermissions, checkKeyPermissions } from "../checks/permission-findings.js";
import { readLineageRecords, type LineageRecord } from "../checks/read-lineages.js";
import { checkSchedulers } from "../checks/scheduler-findings.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { HOOK_PHASES, hookShimPath } from "../certbot/render-hook-shim.js";
import { readNginxState, type NginxState } from "../nginx/read-nginx-state.js";
import { acmeSnippetPath } from "../nginx/render-acme.js";
import type { Lookup } from "../served/local-address.js";
import type { Settings } from "../settings/settings.js";
import { planConfRepairs } from "./plan-conf-repairs.js";
import { groupRepairs, planRepair, type PlannedFix } from "./plan-repairs.js";
import { commandExists, linkTarget, readHookModes, readHookScripts, readKeyModes, readSchedulers } from "./read-machine.js";

export interface ExamineInput {
  settings: Settings;
  exec: Exec;
  names: readonly string[];
  /** "/" on a server: where /etc/cron.d, /etc/systemd and /run/systemd are. */
  systemRoot: string;
  pathVariable: string | undefined;
  lookup?: Lookup;
  /** See Context.workerScript. */
  workerScript?: string | undefined;
  /** Told why the facts cache was not used. */
  warn?: (message: string) => void;
}

export interface Examination {
  findings: Finding[];
  fixes: PlannedFix[];
  records: LineageRecord[];
  nginx: NginxState | undefined;
}

/** Authenticators whose renewals use HTTP-01, so the challenge path through nginx matters (now or after migrate). */
const HTTP_AUTHENTICATORS = new Set(["webroot", "standalone", "nginx"]);

export async function examine(input: ExamineInput): Promise<Examination> {
  const { settings } = input;
  const records = await readLineageRecords({ letsencryptDir: settings.letsencryptDir, names: input.names, cacheDir: settings.cacheDir, workerScript: input.workerScript, ...(input.warn ? { warn: input.warn } : {}) });
  const findings: Finding[] = [];
  let nginx: NginxState | undefined;
  try {
    nginx = await readNginxState(settings, input.exec);
  } catch (error) {
    if (!(error instanceof NgcertError) || error.code !== "NGINX_INVALID") throw error;
    findings.push(finding("NGINX_INVALID", "error", `nginx -t refuses the configuration: ${(error.details ?? "").trim().split("\n")[0] ?? ""}; no reload (so no renewed certificate) can take effect`, { file: settings.nginxConf, fix: `fix what \`${settings.nginxBin} -t -c ${settings.nginxConf}\` reports` }));
  }
  if (nginx) {
    for (const file of nginx.tree.unparsed) findings.push(finding("NGINX_UNPARSED", "warning", `${file}: nginx loads it but ngcert cannot parse it, so what it configures is not analysed`, { file }));
    if (!nginx.running) findings.push(finding("NGINX_NOT_RUNNING", "error", `nginx is not running (no live process in its pid file): the CA's challenge requests find nothing`, { fix: "start nginx" }));
  }

  for (const record of records) findings.push(...checkLineageConf(record, { commandExists: (program) => commandExists(program, input.pathVariable) }));
  for (const record of records) findings.push(...checkRenewBeforeExpiry(record.facts));
  findings.push(...checkHookScripts(readHookScripts(settings.letsencryptDir)));
  const missingShims = HOOK_PHASES.filter((phase) => !existsSync(hookShimPath(settings.letsencryptDir, phase)));
  if (missingShims.length > 0) {
    findings.push(
      finding("HOOK_MISSING", "error", `ngcert's ${missingShims.join(", ")} hook${missingShims.length > 1 ? "s are" : " is"} missing from ${path.join(settings.letsencryptDir, "renewal-hooks")}: a renewed certificate is not checked, nginx is not reloaded, and it stays unserved`, {
        file: hookShimPath(settings.letsencryptDir, missingShims[0]!),
        fix: "ngcert init",
      }),
    );
  }

  const fixes: PlannedFix[] = [];
  if (nginx) {
    const results = await judgeChallenges(nginx, records, input);
    findings.push(...challengeFindings(results, records, settings));
    fixes.push(...planChallengeFixes(nginx, results, findings, input));
    findings.push(
      ...checkCertificatePaths(nginx.servers, nginx.tree.http, {
        letsencryptDir: settings.letsencryptDir,
        lineages: records.map((record) => ({ name: record.name, domains: record.domains })),
        confDir: path.dirname(settings.nginxConf),
        linkTarget,
      }),
    );
  }
  fixes.push(...planConfRepairs(records, findings));
  findings.push(...checkSchedulers(readSchedulers(input.systemRoot)));
  const hookPrograms = records.flatMap((record) => HOOK_KEYS.flatMap((key) => (typeof record.conf?.params[key] === "string" ? [(record.conf.params[key] as string).trim().split(/\s+/)[0]!] : [])));
  findings.push(...checkHookPermissions(readHookModes(settings.letsencryptDir, hookPrograms)));
  findings.push(...checkKeyPermissions(readKeyModes(settings.letsencryptDir, records.map((record) => record.name))));
  return { findings, fixes, records, nginx };
}

function shared(settings: Settings): string {
  return path.resolve(settings.webroot);
}

async function judgeChallenges(nginx: NginxState, records: readonly LineageRecord[], input: ExamineInput): Promise<ChallengeResult[]> {
  const { settings } = input;
  const subjects: ChallengeSubject[] = [];
  for (const record of records) {
    const conf = record.conf;
    if (!conf?.authenticator || !HTTP_AUTHENTICATORS.has(conf.authenticator)) continue;
    const domains = record.domains.filter((domain) => !domain.startsWith("*."));
    for (const domain of domains) subjects.push({ lineage: record.name, domain, webroot: shared(settings), purpose: `the shared webroot ${settings.webroot}` });
    if (conf.authenticator !== "webroot") continue;
    for (const [domain, webroot] of effectiveWebroots(conf, domains)) {
      if (webroot !== undefined && path.resolve(webroot) !== shared(settings)) subjects.push({ lineage: record.name, domain, webroot: path.resolve(webroot), purpose: `its webroot ${webroot}` });
    }
  }
  return checkChallengePaths(nginx, challengeSettingsOf(settings), subjects, input.lookup);
}

function challengeFindings(results: readonly ChallengeResult[], records: readonly LineageRecord[], settings: Settings): Finding[] {
  const findings: Finding[] = [];
  const ownWorks = new Set(results.filter((result) => result.subject.webroot !== shared(settings) && result.ok).map((result) => `${result.subject.lineage} ${result.subject.domain}`));
  const confs = new Map(records.map((record) => [record.name, record.conf]));
  for (const result of results) {
    const judged = result.judged;
    if (!judged) continue;
    const { lineage, domain } = result.subject;
    const migrate = `\`ngcert migrate ${lineage}\` switches it to the shared webroot once that works (\`ngcert doctor --fix\`)`;
    if (result.subject.webroot !== shared(settings)) {
      findings.push({ ...judged.finding, code: "WEBROOT_NOT_SERVED", message: `${lineage}: certbot renews ${domain} through ${result.subject.webroot}, which nginx does not serve for it: ${judged.finding.message}`, fix: migrate });
      continue;
    }
    // An error when the next renewal takes this very path; otherwise it blocks migrate and add.
    const conf = confs.get(lineage);
    const webroot = conf?.authenticator === "webroot" ? effectiveWebroots(conf, [domain]).get(domain) : undefined;
    const renewsHere = webroot !== undefined && path.resolve(webroot) === shared(settings);
    const note = renewsHere ? "" : ownWorks.has(`${lineage} ${domain}`) ? "; renewals through the lineage's own webroot work today, but `ngcert migrate` and `ngcert add` need this" : "; `ngcert migrate` needs this before it switches the lineage to the shared webroot";
    const fix = judged.finding.code === "CHALLENGE_NO_SERVER" ? "ngcert init (its catch-all answers every name on the HTTP port)" : `make the server block that answers serve /.well-known/acme-challenge/ from ${settings.webroot} (\`include ${acmeSnippetPath(settings.nginxDir)};\`)`;
    findings.push({ ...judged.finding, severity: renewsHere ? "error" : "warning", message: `${judged.finding.message}${note}`, fix });
  }
  return findings;
}

function planChallengeFixes(nginx: NginxState, results: readonly ChallengeResult[], findings: Finding[], input: ExamineInput): PlannedFix[] {
  const { settings } = input;
  const sharedResults = results.filter((result) => result.subject.webroot === shared(settings));
  const fixes: PlannedFix[] = [];
  // Maps, not searches: at hosting scale there are thousands of domains, each looked up for every repair.
  const firstAddress = new Map<string, string | undefined>();
  for (const result of sharedResults) if (!firstAddress.has(result.subject.domain)) firstAddress.set(result.subject.domain, result.prediction.hops[0]?.address);
  const addressFor = (host: string): string => firstAddress.get(host) ?? (settings.listenAddress || "127.0.0.1");
  for (const group of groupRepairs(sharedResults)) {
    const domains = group.results.map((result) => result.subject.domain);
    const inGroup = new Set(domains);
    // Challenges that pass today through another webroot by way of the location this repair changes must keep passing.
    const keep = results
      .filter((result) => result.subject.webroot !== shared(settings) && result.ok && group.repair.kind === "own-location")
      .filter((result) => {
        const location = result.prediction.hops[result.prediction.hops.length - 1]?.trace.firstLocation;
        return location?.file === group.repair.file && location.line === group.repair.line;
      })
      .map((result) => ({ domain: result.subject.domain, webroot: result.subject.webroot }));
    const plan = planRepair(group.repair, domains, { nginx, snippetPath: acmeSnippetPath(settings.nginxDir), webroot: shared(settings), httpPort: settings.httpPort, httpsPort: settings.httpsPort, addressFor }, keep);
    for (const item of findings) {
      if (item.domain === null || !inGroup.has(item.domain) || !item.code.startsWith("CHALLENGE_")) continue;
      item.fix = plan.ok ? plan.fix.diff : `not automatic (${plan.reason}): make ${group.repair.file}:${group.repair.line} serve /.well-known/acme-challenge/ from ${settings.webroot}, e.g. with \`include ${acmeSnippetPath(settings.nginxDir)};\``;
    }
    if (plan.ok) fixes.push(plan.fix);
  }
  return fixes;
}
