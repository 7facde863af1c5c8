// `ngcert init`: puts the shared challenge webroot, the two nginx files and the certbot hooks in place, proves the
// result with nginx -t, reloads — or puts everything back as it was.
import { readFileSync, statSync, chmodSync } from "node:fs";
import path from "node:path";
import type { Exec } from "../exec.js";
import { NgcertError, isNodeError } from "../errors.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { markOwned } from "../fs/owned-file.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { HOOK_PHASES, hookShimPath, renderHookShim } from "../hooks/render-hook-shim.js";
import { findServerBlocks } from "../nginx/http-servers.js";
import { collectIncludePatterns, isIncluded } from "../nginx/includes.js";
import { reloadNginx, testNginxConfig } from "../nginx/nginx-control.js";
import { isNginxRunning, readNginxDump } from "../nginx/read-nginx-dump.js";
import { acmeServerPath, acmeSnippetPath, listenTargets, renderAcmeServer, renderAcmeSnippet } from "../nginx/render-acme.js";
import type { Settings } from "../settings/settings.js";
import { checkHttpServers, type CatchAllListen, type ShadowingServer } from "./check-http-servers.js";
import { planFiles, type CurrentFile, type DesiredFile, type FileAction } from "./plan-files.js";

export interface InitOptions {
  dryRun: boolean;
  /** How to run this ngcert from a hook: node and the bundle. */
  selfCommand: readonly string[];
  ipv6: boolean;
  env: Record<string, string | undefined>;
}

export interface InitReport {
  actions: FileAction[];
  webrootCreated: boolean;
  shadowing: ShadowingServer[];
  warnings: string[];
  /** "reloaded", "not-running" (nginx will read it on start), or "none" (nothing changed / dry run). */
  reload: "reloaded" | "not-running" | "none";
}

export function desiredInitFiles(settings: Settings, options: Pick<InitOptions, "selfCommand" | "ipv6">): DesiredFile[] {
  const files: DesiredFile[] = [
    { path: acmeSnippetPath(settings.nginxDir), content: markOwned(renderAcmeSnippet(settings.webroot)), mode: 0o644, what: "the ACME challenge location" },
    {
      path: acmeServerPath(settings.nginxDir),
      content: markOwned(renderAcmeServer({ ...settings, ipv6: options.ipv6 })),
      mode: 0o644,
      what: `the port-${settings.httpPort} catch-all server`,
    },
  ];
  for (const phase of HOOK_PHASES) {
    files.push({
      path: hookShimPath(settings.letsencryptDir, phase),
      content: markOwned(renderHookShim(phase, options.selfCommand, settings.givenArgs)),
      mode: 0o755,
      what: `certbot's ${phase} hook`,
    });
  }
  return files;
}

function readCurrent(file: string): CurrentFile | undefined {
  try {
    return { content: readFileSync(file, "utf8"), mode: statSync(file).mode & 0o7777 };
  } catch (error) {
    if (isNodeError(error) && error.code === "ENOENT") return undefined;
    throw new NgcertError("IO", `cannot read ${file}: ${isNodeError(error) ? error.code : String(error)}`, { cause: error });
  }
}

function catchAllListens(settings: Settings, ipv6: boolean): CatchAllListen[] {
  return listenTargets({ ...settings, ipv6 }).map((target) => {
    if (/^\d+$/.test(target)) return { address: "*", port: Number(target) };
    const colon = target.lastIndexOf(":");
    return { address: target.slice(0, colon), port: Number(target.slice(colon + 1)) };
  });
}

export async function runInit(settings: Settings, exec: Exec, options: InitOptions): Promise<InitReport> {
  const nginx = await readNginxDump(settings, exec);
  const serverFile = acmeServerPath(settings.nginxDir);
  const snippetFile = acmeSnippetPath(settings.nginxDir);
  const warnings = nginx.skipped.map((file) => `${file}: not analysed (syntax ngcert does not parse); check it by hand for port-${settings.httpPort} servers`);

  const patterns = nginx.files.flatMap((file) => collectIncludePatterns(file.directives));
  if (!isIncluded(patterns, serverFile, path.dirname(settings.nginxConf))) {
    throw new NgcertError(
      "CONFLICT",
      `${settings.nginxConf} does not include ${serverFile}: add \`include ${path.dirname(serverFile)}/*.conf;\` inside its http { } block, then run ngcert init again`,
    );
  }
  const check = checkHttpServers(findServerBlocks(nginx.files), {
    ours: catchAllListens(settings, options.ipv6),
    ownFile: serverFile,
    snippetPath: snippetFile,
    httpPort: settings.httpPort,
  });
  if (check.conflicts.length > 0) {
    const where = check.conflicts.map((c) => `  ${c.file}:${c.line}: listen ${c.listen} default_server`).join("\n");
    throw new NgcertError(
      "CONFLICT",
      `another server is already the default_server on port ${settings.httpPort}, where ngcert's catch-all must be:\n${where}\n` +
        "Either disable that site (on Debian: remove its link from sites-enabled/), or remove `default_server` from that listen line " +
        `and add \`include ${snippetFile};\` to its server block. Then run ngcert init again. Nothing was changed.`,
    );
  }

  const desired = desiredInitFiles(settings, options);
  const plan = planFiles(desired, new Map(desired.map((file) => [file.path, readCurrent(file.path)])));
  if (plan.conflicts.length > 0) {
    const details = plan.conflicts
      .map((c) => `${c.file.path} (${c.file.what}) ${c.ownership === "edited" ? "was edited since ngcert wrote it" : "was not written by ngcert"}:\n${c.diff}`)
      .join("\n");
    throw new NgcertError(
      "CONFLICT",
      `ngcert init will not overwrite ${plan.conflicts.map((c) => c.file.path).join(", ")}: move the file aside (or delete it) to let ngcert write its own, ` +
        "then carry your changes over. Nothing was changed.",
      { details },
    );
  }

  const webroot = readWebroot(settings.webroot);
  if (webroot.exists && !webroot.isDirectory) throw new NgcertError("CONFLICT", `webroot ${settings.webroot} exists and is not a directory`);
  if (webroot.exists && (webroot.mode & 0o022) !== 0) {
    warnings.push(`webroot ${settings.webroot} is writable by group or others: whoever can write there can answer challenges for your domains (chmod 755)`);
  }
  const changes = plan.actions.filter((action) => action.kind !== "unchanged");
  const report: InitReport = { actions: plan.actions, webrootCreated: !webroot.exists, shadowing: check.shadowing, warnings, reload: "none" };
  if (options.dryRun || (changes.length === 0 && webroot.exists)) return report;

  const lock = await acquireWriterLock(settings.letsencryptDir, { command: "init", env: options.env });
  const transaction = new FileTransaction();
  try {
    if (!webroot.exists) {
      transaction.mkdir(settings.webroot, 0o755);
      chmodSync(settings.webroot, 0o755); // readable by nginx's workers, writable only by root
    }
    for (const action of changes) transaction.write(action.file.path, action.file.content, action.file.mode);
    await testNginxConfig(settings, exec);
    if (isNginxRunning(nginx)) {
      await reloadNginx(settings, exec);
      report.reload = "reloaded";
    } else {
      report.reload = "not-running";
    }
  } catch (error) {
    transaction.rollback();
    if (error instanceof NgcertError) {
      throw new NgcertError(error.code, `${error.message}; ngcert init put every file back as it was`, { cause: error, details: error.details });
    }
    throw error;
  } finally {
    lock.release();
  }
  return report;
}

function readWebroot(dir: string): { exists: boolean; isDirectory: boolean; mode: number } {
  try {
    const stat = statSync(dir);
    return { exists: true, isDirectory: stat.isDirectory(), mode: stat.mode & 0o7777 };
  } catch {
    return { exists: false, isDirectory: false, mode: 0 };
  }
}
