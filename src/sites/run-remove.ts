// `ngcert remove NAME [--delete-cert]`: takes a site out of nginx (nginx -t, reload, or nothing changes); the
// certificate stays unless asked, since issuing it again costs a CA order.
import { existsSync } from "node:fs";
import { commonCertbotArgs } from "../certbot/certbot-args.js";
import { renewalConfPath } from "../certbot/read-lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import { sitePath } from "../nginx/render-site.js";
import type { Settings } from "../settings/settings.js";
import { showInput } from "./show-input.js";

export interface RemoveResult {
  siteFile: string;
  reloaded: boolean;
  certificateDeleted: boolean;
}

export async function runRemove(settings: Settings, exec: Exec, options: { name: string; deleteCert: boolean; env: Record<string, string | undefined> }): Promise<RemoveResult> {
  const { name } = options;
  if (!/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(name)) throw new NgcertError("INVALID_INPUT", `\`${showInput(name)}\` is not a site name: sites are named after their first domain, such as app.example.com`);
  const siteFile = sitePath(settings.nginxDir, name);
  if (!existsSync(siteFile)) throw new NgcertError("NOT_FOUND", `no ngcert site named ${name} (${siteFile} does not exist); \`ngcert status\` lists the certificates`);
  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "remove", env: options.env });
  try {
    const nginx = await readNginxDump(settings, exec);
    const running = isNginxRunning(nginx);
    const transaction = new FileTransaction();
    try {
      transaction.remove(siteFile);
      await testNginxConfig(settings, exec);
      if (running) await reloadNginx(settings, exec);
    } catch (error) {
      transaction.rollback();
      if (error instanceof NgcertError) throw new NgcertError(error.code, `${error.message}; ${siteFile} was put back`, { cause: error, details: error.details });
      throw error;
    }
    let certificateDeleted = false;
    if (options.deleteCert && existsSync(renewalConfPath(settings.letsencryptDir, name))) {
      const result = await exec(settings.certbotBin, ["delete", "--cert-name", name, ...commonCertbotArgs(settings)], { allowFailure: true, env: { ...options.env, ...lock.env } });
      if (result.exitCode !== 0) {
        throw new NgcertError("EXEC_FAILED", `the site is removed, but certbot could not delete the certificate ${name}`, { details: result.stderr || result.stdout });
      }
      certificateDeleted = true;
    }
    return { siteFile, reloaded: running, certificateDeleted };
  } finally {
    lock.release();
  }
}
