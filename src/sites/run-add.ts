// `ngcert add DOMAIN... --upstream URL`: preflight the challenge path, obtain the certificate through the shared
// webroot, write the HTTPS site, nginx -t, reload, and prove nginx serves it. Any failed step leaves nginx and the
// files exactly as they were.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { accountArgs, commonCertbotArgs } from "../certbot/certbot-args.js";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import { checkNewVersion } from "../deploy/check-new-version.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { classifyOwnership, markOwned } from "../fs/owned-file.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { hookShimPath } from "../hooks/render-hook-shim.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { http2Style, readNginxVersion } from "../nginx/nginx-version.js";
import { acmeSnippetPath } from "../nginx/render-acme.js";
import { renderSite, sitePath } from "../nginx/render-site.js";
import { probeChallengePath } from "../served/probe-challenge.js";
import { localAddress, servedTarget } from "../served/served-target.js";
import { waitUntilServed, type ServedCheck } from "../served/wait-until-served.js";
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

export async function runAdd(settings: Settings, exec: Exec, request: AddRequest): Promise<AddResult> {
  const name = request.domains[0]!;
  const siteFile = sitePath(settings.nginxDir, name);
  const deployHook = hookShimPath(settings.letsencryptDir, "deploy");
  if (!existsSync(acmeSnippetPath(settings.nginxDir)) || !existsSync(deployHook)) {
    throw new NgcertError("CONFLICT", "this server is not set up for ngcert yet: run `ngcert init` first");
  }
  const existingSite = readOptional(siteFile);
  if (existingSite !== undefined && classifyOwnership(existingSite) !== "ours") {
    throw new NgcertError("CONFLICT", `${siteFile} was edited since ngcert wrote it: ngcert add will not overwrite it; move it aside to let ngcert write the site again. Nothing was changed.`);
  }

  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "add", env: request.env });
  try {
    const current = existsSync(renewalConfPath(settings.letsencryptDir, name)) ? readLineageFacts(settings.letsencryptDir, name, true) : undefined;
    const currentDomains = new Set(current?.domains ?? []);
    const sameDomains = current !== undefined && current.domains.length === request.domains.length && request.domains.every((domain) => currentDomains.has(domain));
    // A lineage for exactly these names that is fit to serve is reused: no new order at the CA.
    const reusable = sameDomains && checkNewVersion(current, request.domains, request.now()).length === 0;
    const certificate: AddResult["certificate"] = reusable ? "reused" : current && !sameDomains ? "expanded" : "obtained";

    if (!reusable) {
      if (!request.skipPreflight) await preflight(settings, request.domains);
      request.log(`requesting a certificate for ${request.domains.join(", ")} from ${settings.server}`);
      await obtainCertificate(settings, exec, request, { name, deployHook, expand: certificate === "expanded", lockEnv: lock.env });
    }

    const facts = readLineageFacts(settings.letsencryptDir, name, true);
    if (facts.fingerprint === undefined) throw new NgcertError("PROBLEMS", `certbot finished but ${name}'s certificate cannot be read: ${facts.fileProblems.map((p) => p.message).join("; ")}`);

    const version = await readNginxVersion(settings.nginxBin, exec);
    const content = markOwned(renderSite({ ...settings, name, domains: request.domains, upstream: request.upstream, ipv6: request.ipv6, http2: http2Style(version), hsts: request.hsts }));
    const site: AddResult["site"] = existingSite === undefined ? "created" : existingSite === content ? "unchanged" : "updated";
    const transaction = new FileTransaction();
    let reloaded = false;
    try {
      if (site !== "unchanged") {
        transaction.write(siteFile, content, 0o644);
        await testNginxConfig(settings, exec);
        reloaded = true; // from here on nginx may have loaded the new site, even if the reload command then failed
        await reloadNginx(settings, exec);
      }
      const served = await waitUntilServed(servedTarget(settings), request.domains, facts.fingerprint, { timeoutMs: request.servedTimeoutMs ?? 15_000 });
      const wrong = served.filter((check) => !check.matches);
      if (wrong.length > 0) {
        const what = wrong.map((check) => `${check.domain}: ${check.result.ok ? "another certificate is served" : check.result.error}`).join("; ");
        throw new NgcertError("PROBLEMS", `nginx does not serve ${name}'s certificate after the reload (${what})`);
      }
      return { name, certificate, site, served };
    } catch (error) {
      if (transaction.changed) transaction.rollback();
      // Put nginx back on the configuration it had (it passed nginx -t before this run); no reload happened otherwise.
      if (reloaded) await testNginxConfig(settings, exec).then(() => reloadNginx(settings, exec)).catch(() => undefined);
      const kept = certificate === "reused" ? "" : ` The certificate stays in ${path.join(settings.letsencryptDir, "live", name)}; running the same ngcert add again reuses it.`;
      if (error instanceof NgcertError) throw new NgcertError(error.code, `${error.message}; the site was put back as it was.${kept}`, { cause: error, details: error.details });
      throw error;
    }
  } finally {
    lock.release();
  }
}

async function preflight(settings: Settings, domains: readonly string[]): Promise<void> {
  const address = localAddress(settings);
  const results = await probeChallengePath({ webroot: settings.webroot, address, port: settings.httpPort, hosts: domains });
  const failed = results.filter((result) => !result.ok);
  if (failed.length === 0) return;
  const lines = failed.map((result) => `  ${result.host}: ${result.seen}`).join("\n");
  throw new NgcertError(
    "PROBLEMS",
    `the challenge path does not work through nginx on port ${settings.httpPort}, so the CA could not validate:\n${lines}\n` +
      `A port-${settings.httpPort} server block of your own probably answers for that name: add \`include ${acmeSnippetPath(settings.nginxDir)};\` inside it ` +
      "(`ngcert init` names such blocks), reload nginx and try again. The CA was not contacted; nothing was changed.",
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
  const result = await exec(settings.certbotBin, args, { allowFailure: true, inheritStderr: request.showProgress, env: { ...request.env, ...run.lockEnv } });
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
