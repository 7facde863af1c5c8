// `ngcert remove NAME [--delete-cert]`: takes a site out of nginx and reloads through the door; the certificate stays
// unless asked, since issuing it again costs a CA order. The site is moved out of nginx's sight in one rename. When
// nginx -t fails because of someone else's file, the removal stands (the site was ngcert's, and the name was given)
// and the reload waits for that file to be fixed; when it fails because of the removal, the site goes back.
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { commonCertbotArgs } from "../certbot/certbot-args.js";
import { renewalConfPath } from "../certbot/read-lineage.js";
import { bringIntoService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { NgcertError, escapeControl } from "../errors.js";
import { faultStep } from "../fs/fault-injection.js";
import { classifyOwnership } from "../fs/owned-file.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { dumpNginxConfig, NginxTestError } from "../nginx/nginx-control.js";
import { sitePath } from "../nginx/render-site.js";
import { stagingPathFor } from "../nginx/staged-config.js";
import type { Settings } from "../settings/settings.js";
import { showInput } from "../text/show-input.js";

export interface RemoveResult {
  siteFile: string;
  reload: ReloadOutcome;
  certificateDeleted: boolean;
  /** The site was edited by hand; removed anyway because it was named. */
  wasEdited: boolean;
}

/** certbot delete only removes files. */
const CERTBOT_DELETE_TIMEOUT_MS = 5 * 60_000;

export async function runRemove(settings: Settings, exec: Exec, options: { name: string; deleteCert: boolean; env: Record<string, string | undefined>; now: () => Date }): Promise<RemoveResult> {
  const { name } = options;
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(name)) throw new NgcertError("INVALID_INPUT", `\`${showInput(name)}\` is not a site name: sites are named after their first domain, such as app.example.com`);
  const siteFile = sitePath(settings.nginxDir, name);
  if (!existsSync(siteFile)) throw new NgcertError("NOT_FOUND", `no ngcert site named ${name} (${siteFile} does not exist); \`ngcert status\` lists the certificates`);
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "remove", env: options.env });
  try {
    finishInterrupted(settings);
    const content = readFileSync(siteFile, "utf8");
    const brokenBefore = await nginxTestFailure(settings, exec);
    // Out of nginx's sight in one rename; the hidden copy is the previous version until the step has succeeded.
    const hidden = stagingPathFor(siteFile);
    renameSync(siteFile, hidden);
    faultStep("site hidden");
    const outcome = await bringIntoService(settings, exec, { by: "remove", now: options.now(), configChanged: true });
    if (outcome.reload.status === "blocked" && outcome.reload.failure !== undefined && brokenBefore === undefined) {
      // The configuration passed before and fails without the site: something depends on it. Put it back.
      renameSync(hidden, siteFile);
      faultStep("site put back");
      throw new NgcertError("NGINX_INVALID", `${outcome.reload.reason}: the configuration depends on ${siteFile}, which was put back`);
    }
    rmSync(hidden, { force: true });
    faultStep("site removed");
    let certificateDeleted = false;
    if (options.deleteCert && existsSync(renewalConfPath(settings.letsencryptDir, name))) {
      const result = await exec(settings.certbotBin, ["delete", "--cert-name", name, ...commonCertbotArgs(settings)], { allowFailure: true, env: { ...options.env, ...lock.env }, timeoutMs: CERTBOT_DELETE_TIMEOUT_MS });
      if (result.exitCode !== 0) {
        throw new NgcertError("EXEC_FAILED", `the site is removed, but certbot could not delete the certificate ${name}`, { details: escapeControl(result.stderr || result.stdout) });
      }
      certificateDeleted = true;
    }
    return { siteFile, reload: outcome.reload, certificateDeleted, wasEdited: classifyOwnership(content) !== "ours" };
  } finally {
    lock.release();
  }
}

async function nginxTestFailure(settings: Settings, exec: Exec): Promise<string | undefined> {
  try {
    await dumpNginxConfig(settings, exec);
    return undefined;
  } catch (error) {
    if (error instanceof NginxTestError) return error.message;
    throw error;
  }
}
