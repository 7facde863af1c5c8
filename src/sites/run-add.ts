// `ngcert add DOMAIN... --upstream URL`: preflight the challenge path, obtain the certificate through the shared
// webroot, stage the HTTPS site and test it before nginx can see it, put it in place, and bring it into service
// through the door. Any failed step leaves nginx and the files as they were.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { accountArgs, commonCertbotArgs } from "../certbot/certbot-args.js";
import { hookShimPath } from "../certbot/hook-paths.js";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import { bringIntoService, type ServiceOutcome } from "../deploy/bring-into-service.js";
import { checkNewVersion } from "../deploy/check-new-version.js";
import { describeLineage, describeReload } from "../deploy/describe-service.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import { faultStep } from "../fs/fault-injection.js";
import { classifyOwnership, markOwned } from "../fs/owned-file.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { http2Style, readNginxVersion } from "../nginx/nginx-version.js";
import { readNginxState } from "../nginx/read-nginx-state.js";
import type { VirtualServer } from "../nginx/virtual-servers.js";
import { acmeServerPath, acmeSnippetPath } from "../nginx/render-acme.js";
import { renderSite, sitePath } from "../nginx/render-site.js";
import { findServersForName } from "../checks/names-served.js";
import { stagingPathFor, testStagedConfig } from "../nginx/staged-config.js";
import { preflight } from "./preflight.js";
import type { ServedCheck } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";
import type { Upstream } from "./parse-upstream.js";

export interface AddRequest {
  domains: string[];
  upstream: Upstream;
  keyType: "ecdsa" | "rsa";
  hsts: boolean;
  skipPreflight: boolean;
  ipv6: boolean;
  env: Record<string, string | undefined>;
  /** Show certbot's progress as it runs. */
  showProgress: boolean;
  log: (line: string) => void;
  now: () => Date;
  servedTimeoutMs?: number;
}

export interface AddResult {
  name: string;
  certificate: "obtained" | "expanded" | "reused";
  site: "created" | "updated" | "unchanged";
  served: ServedCheck[];
}

/** certonly is one order at the CA: minutes at worst, never forever. */
export const CERTBOT_CERTONLY_TIMEOUT_MS = 15 * 60_000;

export async function runAdd(settings: Settings, exec: Exec, request: AddRequest): Promise<AddResult> {
  const name = request.domains[0]!;
  const siteFile = sitePath(settings.nginxDir, name);
  const deployHook = hookShimPath(settings.letsencryptDir, "deploy");
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "add", env: request.env });
  try {
    for (const line of finishInterrupted(settings)) request.log(line);
    if (!existsSync(acmeSnippetPath(settings.nginxDir)) || !existsSync(deployHook)) {
      throw new NgcertError("CONFLICT", "this server is not set up for ngcert yet: run `ngcert init` first");
    }
    const existingSite = readOptional(siteFile);
    if (existingSite !== undefined && classifyOwnership(existingSite) !== "ours") {
      throw new NgcertError("CONFLICT", `${siteFile} was edited since ngcert wrote it: ngcert add will not overwrite it; move it aside to let ngcert write the site again. Nothing was changed.`);
    }
    const current = existsSync(renewalConfPath(settings.letsencryptDir, name)) ? readLineageFacts(settings.letsencryptDir, name, true) : undefined;
    // A lineage of this name that certbot refuses to renew (its conf, or its live/ links and archive) would be served
    // until it expires, never renewed: the owner decides how to repair it.
    const confRefused = current?.fileProblems.find((problem) => problem.code === "RENEWAL_CONF_INVALID");
    if (confRefused) {
      throw new NgcertError("CONFLICT", `${confRefused.message}. Fix what it names (\`ngcert doctor ${name}\` shows it) or remove the lineage (certbot delete --cert-name ${name}), then run ngcert add again. Nothing was changed.`);
    }
    const currentDomains = new Set(current?.domains ?? []);
    const sameDomains = current !== undefined && current.domains.length === request.domains.length && request.domains.every((domain) => currentDomains.has(domain));
    // A lineage for exactly these names that is fit to serve is reused: no new order at the CA.
    const reusable = sameDomains && checkNewVersion(current, request.domains, request.now()).length === 0;
    const certificate: AddResult["certificate"] = reusable ? "reused" : current && !sameDomains ? "expanded" : "obtained";
    if (!reusable && !request.skipPreflight) await preflight(settings, exec, name, request.domains);
    // The configuration must already pass nginx -t, and no other block may serve these names: both are cheaper to
    // find out now than after an order at the CA.
    let nginx;
    try {
      nginx = await readNginxState(settings, exec);
    } catch (error) {
      throw new NgcertError("CONFLICT", `${describeError(error)}: fix that first (ngcert add needs a reload). Nothing was changed.`, { cause: error });
    }
    refuseNamesServedElsewhere(settings, nginx.servers, request.domains, siteFile);
    if (!reusable) {
      request.log(`requesting a certificate for ${request.domains.join(", ")} from ${settings.server}`);
      await obtainCertificate(settings, exec, request, { name, deployHook, expand: certificate === "expanded", lockEnv: lock.env });
    }
    const facts = readLineageFacts(settings.letsencryptDir, name, true);
    if (facts.fingerprint === undefined) throw new NgcertError("PROBLEMS", `certbot finished but ${name}'s certificate cannot be read: ${facts.fileProblems.map((p) => p.message).join("; ")}`);

    const version = await readNginxVersion(settings.nginxBin, exec);
    const content = markOwned(renderSite({ ...settings, name, domains: request.domains, upstream: request.upstream, ipv6: request.ipv6, http2: http2Style(version), hsts: request.hsts }));
    const site: AddResult["site"] = existingSite === undefined ? "created" : existingSite === content ? "unchanged" : "updated";
    const kept = certificate === "reused" ? "" : ` The certificate stays in ${path.dirname(facts.paths.cert)}; running the same ngcert add again reuses it.`;
    if (site !== "unchanged") await stageAndPlace(settings, exec, siteFile, content, request.domains, kept);
    const outcome = await bringIntoService(settings, exec, { by: "add", now: request.now(), configChanged: site !== "unchanged", focus: [{ name, renewedDomains: request.domains }], servedTimeoutMs: request.servedTimeoutMs });
    const lineage = outcome.lineages.find((entry) => entry.name === name);
    const reloaded = site === "unchanged" || outcome.reload.status === "reloaded";
    if (reloaded && (lineage?.status === "served" || lineage?.status === "already-served")) return { name, certificate, site, served: lineage.served ?? lineage.domains.map((domain) => ({ domain, result: { ok: true, fingerprint: facts.fingerprint!, der: Buffer.alloc(0) }, matches: true })) };
    // Not served: the site goes back as it was, and nginx with it.
    const problem = lineage ? describeLineage(lineage) : `${name} is not used by any nginx site after the reload`;
    const restored = site === "unchanged" ? undefined : await restoreSite(settings, exec, request, siteFile, existingSite, outcome);
    throw new NgcertError("PROBLEMS", `${problem}${reloadNote(outcome)}; ${restored ?? "the site was left as it was"}.${kept}`);
  } finally {
    lock.release();
  }
}

/** Tests the site under a staging name, then renames it into place; throws (nothing changed) when nginx -t refuses. */
async function stageAndPlace(settings: Settings, exec: Exec, siteFile: string, content: string, domains: readonly string[], kept: string): Promise<void> {
  const staged = stagingPathFor(siteFile);
  writeFileSync(staged, content, { mode: 0o644, flag: "wx" });
  faultStep("site staged");
  try {
    const warnings = await testStagedConfig(settings, exec, [{ finalPath: siteFile, stagedPath: staged }]);
    // nginx only warns when another block claims the same name, and then serves that block: for ngcert, an error.
    const clash = warnings.filter((warning) => /conflicting server name|duplicate/.test(warning) && domains.some((domain) => warning.includes(`"${domain}"`)));
    if (clash.length > 0) throw new NgcertError("CONFLICT", `nginx would not serve the new site: ${clash.join("; ")}. Nothing was changed.${kept}`);
  } catch (error) {
    rmSync(staged, { force: true });
    if (error instanceof NgcertError && error.code === "NGINX_INVALID") throw new NgcertError(error.code, `${error.message}; the site was not put in place.${kept}`, { cause: error, details: error.details });
    throw error;
  }
  renameSync(staged, siteFile);
  faultStep("site in place");
}

/** Puts the site file back as it was and reloads nginx onto that; says what it did. */
async function restoreSite(settings: Settings, exec: Exec, request: AddRequest, siteFile: string, previous: string | undefined, outcome: ServiceOutcome): Promise<string> {
  if (previous === undefined) rmSync(siteFile, { force: true });
  else {
    const staged = stagingPathFor(siteFile);
    writeFileSync(staged, previous, { mode: 0o644, flag: "wx" });
    renameSync(staged, siteFile);
  }
  faultStep("site restored");
  if (outcome.reload.status !== "reloaded") return "the site was put back as it was";
  const back = await bringIntoService(settings, exec, { by: "add (undo)", now: request.now(), configChanged: true });
  return back.reload.status === "reloaded" ? "the site was put back as it was and nginx reloaded onto it" : `the site was put back, but reloading nginx onto it failed: ${describeReload(back.reload) ?? back.reload.status}`;
}

function reloadNote(outcome: ServiceOutcome): string {
  const reload = describeReload(outcome.reload);
  return reload === undefined || outcome.reload.status === "reloaded" ? "" : ` (${reload})`;
}

/**
 * Another block for one of the names on the HTTPS port is a site nginx would serve instead of ngcert's; on the HTTP
 * port it is the owner's site, unless it includes ngcert's challenge snippet (what the preflight's advice asks for:
 * then it is the owner's port-80 front of the HTTPS site ngcert is about to write).
 */
function refuseNamesServedElsewhere(settings: Settings, servers: readonly VirtualServer[], domains: readonly string[], siteFile: string): void {
  const ours = new Set([siteFile, acmeServerPath(settings.nginxDir)]);
  const snippet = acmeSnippetPath(settings.nginxDir);
  const others = servers.filter((server) => !ours.has(server.file));
  // The snippet's location, expanded into the block: an include of it.
  const includesSnippet = (server: VirtualServer): boolean => (server.node.block ?? []).some((directive) => directive.file === snippet);
  const clashes = domains.flatMap((domain) =>
    [
      ...findServersForName(others, domain, [settings.httpsPort]),
      ...findServersForName(others, domain, [settings.httpPort]).filter((claim) => !includesSnippet(claim.server)),
    ].map((claim) => `  ${domain}: ${claim.server.file}:${claim.server.line} (server_name ${claim.matchedName}, port ${claim.port})`),
  );
  if (clashes.length === 0) return;
  throw new NgcertError(
    "CONFLICT",
    `these names are already served by server blocks ngcert did not write:\n${[...new Set(clashes)].join("\n")}\n` +
      "ngcert add would put a second site beside them, and nginx would serve only one. For a site you already run, " +
      "`ngcert doctor` shows what its renewal needs and `ngcert migrate` moves its certificate to the shared webroot. Nothing was changed.",
  );
}

interface CertbotRun {
  name: string;
  deployHook: string;
  expand: boolean;
  /** The writer lock's token: the deploy hook certbot runs is part of this add. */
  lockEnv: Record<string, string>;
}

async function obtainCertificate(settings: Settings, exec: Exec, request: AddRequest, run: CertbotRun): Promise<void> {
  const { name, deployHook, expand } = run;
  const args = [
    "certonly",
    "--webroot",
    "-w",
    settings.webroot,
    ...request.domains.flatMap((domain) => ["-d", domain]),
    "--cert-name",
    name,
    ...commonCertbotArgs(settings),
    ...accountArgs(settings),
    "--key-type",
    request.keyType,
    // The shim init installed: certbot records it in the renewal conf and runs it once per issuance.
    "--deploy-hook",
    deployHook,
    ...(expand ? ["--expand"] : []),
  ];
  faultStep("certbot certonly");
  const result = await exec(settings.certbotBin, args, { allowFailure: true, inheritStderr: request.showProgress, env: { ...request.env, ...run.lockEnv }, timeoutMs: CERTBOT_CERTONLY_TIMEOUT_MS });
  if (result.exitCode !== 0) {
    throw new NgcertError("EXEC_FAILED", `certbot could not obtain the certificate for ${request.domains.join(", ")} (exit code ${result.exitCode})`, {
      details: request.showProgress ? undefined : result.stderr || result.stdout,
    });
  }
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
