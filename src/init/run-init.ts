// `ngcert init`: puts the shared challenge webroot, the two nginx files and the certbot hooks in place, tests the
// catch-all before nginx can see it, and brings the result into service through the door — or puts everything back.
// It works when nginx -t already fails because its own files are missing or damaged (an include of the snippet in
// someone's site), and it keeps its own correct files when nginx -t fails because of someone else's file.
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { findClusterAccount } from "../certbot/account.js";
import { HOOK_PHASES, hookShimPath } from "../certbot/hook-paths.js";
import { bringIntoService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import type { Exec } from "../exec.js";
import { NgcertError, isNodeError } from "../errors.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { FileTransaction } from "../fs/file-transaction.js";
import { markOwned } from "../fs/owned-file.js";
import { acquireWriterLock } from "../fs/writer-lock.js";
import { renderHookShim } from "../certbot/render-hook-shim.js";
import { findServerBlocks } from "../nginx/http-servers.js";
import { collectIncludePatterns, isIncluded } from "../nginx/includes.js";
import { NginxTestError } from "../nginx/nginx-control.js";
import { readNginxDump, type NginxDump } from "../nginx/read-nginx-dump.js";
import { acmeServerPath, acmeSnippetPath, listenTargets, renderAcmeServer, renderAcmeSnippet } from "../nginx/render-acme.js";
import { stagingPathFor, testStagedConfig } from "../nginx/staged-config.js";
import type { Settings } from "../settings/settings.js";
import { checkHttpServers, type CatchAllListen, type ShadowingServer } from "./check-http-servers.js";
import { describeHttpConflicts } from "./describe-http-conflicts.js";
import { planFiles, type CurrentFile, type DesiredFile, type FileAction } from "./plan-files.js";
import { checkWebrootPath } from "./check-webroot.js";

export interface InitOptions {
  dryRun: boolean;
  /** How to run this ngcert from a hook: node and the bundle. */
  selfCommand: readonly string[];
  ipv6: boolean;
  env: Record<string, string | undefined>;
  now: () => Date;
}

export interface InitReport {
  actions: FileAction[];
  webrootCreated: boolean;
  shadowing: ShadowingServer[];
  warnings: string[];
  /** What happened to nginx: undefined when nothing changed (or a dry run). */
  reload: ReloadOutcome | undefined;
}

export function desiredInitFiles(settings: Settings, options: Pick<InitOptions, "selfCommand" | "ipv6"> & { leaveTo?: readonly string[] }): DesiredFile[] {
  const files: DesiredFile[] = [
    { path: acmeSnippetPath(settings.nginxDir), content: markOwned(renderAcmeSnippet(settings.webroot, { thumbprint: clusterThumbprint(settings) })), mode: 0o644, what: "the ACME challenge location" },
    {
      path: acmeServerPath(settings.nginxDir),
      content: markOwned(renderAcmeServer({ ...settings, ipv6: options.ipv6, leaveTo: options.leaveTo })),
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

/**
 * On a node of a cluster, the challenge location answers every token of the cluster's ACME account (its key's
 * thumbprint), whichever node the CA reaches; without the account here that answer cannot be written.
 */
function clusterThumbprint(settings: Settings): string | undefined {
  if (!settings.cluster) return undefined;
  const account = findClusterAccount(settings.letsencryptDir, settings.server, settings.cluster.account);
  if (!account) {
    throw new NgcertError(
      "CONFLICT",
      `this node is one of a cluster ("cluster" in ${settings.configPath}), but certbot has no account for ${settings.server} in ${settings.letsencryptDir}: ` +
        "run `ngcert cluster init` on the issuer, which registers the account and brings it to every node. Nothing was changed.",
    );
  }
  return account.thumbprint;
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
  // A dry run changes nothing and so takes no lock; a real run takes it before reading what it will act on.
  const lock = options.dryRun ? undefined : await acquireWriterLock(settings.letsencryptDir, { command: "init", env: options.env });
  try {
    const warnings = options.dryRun ? [] : finishInterrupted(settings);
    const serverFile = acmeServerPath(settings.nginxDir);
    const snippetFile = acmeSnippetPath(settings.nginxDir);
    let nginx: NginxDump | undefined;
    try {
      nginx = await readNginxDump(settings, exec);
    } catch (error) {
      if (!(error instanceof NginxTestError)) throw error;
      // nginx -t fails now. If ngcert's own files are what is missing, writing them is the repair; the analysis of
      // the other servers waits for a configuration nginx accepts, and the test below decides.
      warnings.push(`${error.message}: the other server blocks could not be checked; ngcert's own files are written and tested`);
    }
    let shadowing: ShadowingServer[] = [];
    let leaveTo: string[] = [];
    if (nginx) {
      warnings.push(...nginx.skipped.map((file) => `${file.file}: not analysed (${file.reason}); check it by hand for port-${settings.httpPort} servers`));
      const patterns = nginx.files.flatMap((file) => collectIncludePatterns(file.directives));
      if (!isIncluded(patterns, serverFile, path.dirname(settings.nginxConf))) {
        throw new NgcertError(
          "CONFLICT",
          `${settings.nginxConf} does not include ${serverFile}: add \`include ${path.dirname(serverFile)}/*.conf;\` inside its http { } block, then run ngcert init again`,
        );
      }
      const check = checkHttpServers(findServerBlocks(nginx.files), { ours: catchAllListens(settings, options.ipv6), ownFile: serverFile, snippetPath: snippetFile, httpPort: settings.httpPort });
      const refusal = describeHttpConflicts(check, { snippetFile, httpPort: settings.httpPort, listenAddress: settings.listenAddress });
      if (refusal !== undefined) {
        // The advice is to include the snippet: it must exist before anyone follows it (nothing includes it yet).
        const wrote = options.dryRun ? false : writeSnippetIfMissing(settings);
        throw new NgcertError("CONFLICT", `${refusal}\n${wrote ? `ngcert wrote ${snippetFile} (nothing includes it yet); nothing else was changed.` : "Nothing was changed."}`);
      }
      leaveTo = check.adopted.map((adopted) => (adopted.listen.startsWith("*:") ? adopted.listen.slice(2) : adopted.listen));
      shadowing = check.shadowing;
    }

    const desired = desiredInitFiles(settings, { ...options, leaveTo });
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
    const webroot = checkWebrootPath(settings.webroot);
    if (webroot.exists && !webroot.isDirectory) throw new NgcertError("CONFLICT", `webroot ${settings.webroot} exists and is not a directory`);
    warnings.push(...webroot.warnings);
    const changes = plan.actions.filter((action) => action.kind !== "unchanged");
    const report: InitReport = { actions: plan.actions, webrootCreated: !webroot.exists, shadowing, warnings, reload: undefined };
    if (options.dryRun || (changes.length === 0 && webroot.exists && nginx !== undefined)) return report;

    const transaction = new FileTransaction();
    const nginxFiles = changes.filter((action) => action.file.path === serverFile || action.file.path === snippetFile);
    const placed: { file: string; previous: CurrentFile | undefined }[] = [];
    try {
      if (!webroot.exists) {
        transaction.mkdir(settings.webroot, 0o755);
        chmodSync(settings.webroot, 0o755); // readable by nginx's workers, writable only by root
        faultStep("webroot created");
      }
      for (const action of changes.filter((action) => !nginxFiles.includes(action))) {
        transaction.write(action.file.path, action.file.content, action.file.mode);
        faultStep(`wrote ${path.basename(path.dirname(action.file.path))}/${path.basename(action.file.path)}`);
      }
      // nginx's files are tested together under staging names, then renamed into place one by one: the snippet first,
      // since the catch-all includes it. A run killed anywhere leaves nginx nothing it has not tested.
      const staged = nginxFiles.map((action) => {
        transaction.mkdir(path.dirname(action.file.path), 0o755);
        const stagedPath = stagingPathFor(action.file.path);
        writeFileSync(stagedPath, action.file.content, { mode: action.file.mode, flag: "wx" });
        return { action, stagedPath };
      });
      faultStep("nginx files staged");
      if (staged.length > 0) {
        try {
          await testStagedConfig(settings, exec, staged.map(({ action, stagedPath }) => ({ finalPath: action.file.path, stagedPath })));
        } catch (error) {
          for (const { stagedPath } of staged) rmSync(stagedPath, { force: true });
          // nginx -t failing in someone else's file, and failing before too: our files are right, keep going.
          if (!(error instanceof NginxTestError) || isOurs(settings, error.failure.file) || nginx !== undefined) throw error;
          for (const entry of staged) writeFileSync(entry.stagedPath, entry.action.file.content, { mode: entry.action.file.mode, flag: "wx" });
        }
        for (const { action, stagedPath } of [...staged].sort((a, b) => Number(b.action.file.path === snippetFile) - Number(a.action.file.path === snippetFile))) {
          placed.push({ file: action.file.path, previous: readCurrent(action.file.path) });
          renameSync(stagedPath, action.file.path);
          faultStep(`placed ${path.basename(path.dirname(action.file.path))}/${path.basename(action.file.path)}`);
        }
      }
      report.reload = (await bringIntoService(settings, exec, { by: "init", now: options.now(), configChanged: true })).reload;
      if (report.reload.status === "blocked" && (isOurs(settings, report.reload.failure?.file) || nginx !== undefined)) {
        throw new NgcertError("NGINX_INVALID", report.reload.reason);
      }
    } catch (error) {
      for (const entry of placed.reverse()) undoPlaced(entry);
      transaction.rollback();
      if (error instanceof NgcertError) {
        throw new NgcertError(error.code, `${error.message}; ngcert init put every file back as it was`, { cause: error, details: error.details });
      }
      throw error;
    }
    return report;
  } finally {
    lock?.release();
  }
}

/** Writes the snippet when it is not there (or is ngcert's own, cut short); true when it wrote it. */
function writeSnippetIfMissing(settings: Settings): boolean {
  const snippet = desiredInitFiles(settings, { selfCommand: [], ipv6: false })[0]!;
  const plan = planFiles([snippet], new Map([[snippet.path, readCurrent(snippet.path)]]));
  const action = plan.actions[0];
  if (!action || action.kind === "unchanged") return false;
  mkdirSync(path.dirname(snippet.path), { recursive: true, mode: 0o755 });
  writeFileAtomic(snippet.path, snippet.content, snippet.mode);
  return true;
}

function isOurs(settings: Settings, file: string | undefined): boolean {
  return file !== undefined && (file === acmeServerPath(settings.nginxDir) || file === acmeSnippetPath(settings.nginxDir));
}

function undoPlaced(placed: { file: string; previous: CurrentFile | undefined }): void {
  if (placed.previous === undefined) rmSync(placed.file, { force: true });
  else {
    const staged = stagingPathFor(placed.file);
    writeFileSync(staged, placed.previous.content, { mode: placed.previous.mode, flag: "wx" });
    renameSync(staged, placed.file);
  }
}
