// Turns the repairs the challenge findings name into exact file changes, and keeps only those it fully understands:
// the edit applies to the text, and the edited configuration, analysed again, passes the challenge for every domain
// the repair is for. Anything else stays a finding with words, never a guess.
import { existsSync, readFileSync } from "node:fs";
import type { ChallengeResult } from "../checks/challenge-paths.js";
import type { Repair } from "../checks/challenge-findings.js";
import { predictChallenge } from "../checks/predict-challenge.js";
import { markOwned } from "../fs/owned-file.js";
import type { ConfNode } from "../nginx/config-tree.js";
import { addIncludeToServer, moveRedirectIntoLocation, pointLocationAtWebroot, type TextEdit } from "../nginx/edit-server-block.js";
import { readLocationSpec } from "../nginx/find-location.js";
import { parseNginxConfig } from "../nginx/parse-config.js";
import { analyseFiles, type NginxState } from "../nginx/read-nginx-state.js";
import { renderAcmeSnippet } from "../nginx/render-acme.js";
import { unifiedDiff } from "../text/unified-diff.js";

export interface FileChange {
  path: string;
  before: string | undefined;
  after: string;
}

export interface PlannedFix {
  /** "add-include /etc/nginx/sites-enabled/app:12" */
  id: string;
  what: string;
  changes: FileChange[];
  /** nginx must be tested and reloaded, and these challenges proven through it. */
  reload: boolean;
  prove: { domain: string; webroot: string }[];
  diff: string;
}

export interface RepairContext {
  nginx: NginxState;
  snippetPath: string;
  webroot: string;
  httpPort: number;
  httpsPort: number;
  addressFor(host: string): string;
}

const DESCRIBE: Record<Repair["kind"], string> = {
  "add-include": "add the challenge include to the server block",
  "move-redirect": "move the server-level redirect into location / (after the challenge include)",
  "own-location": "point the block's own challenge location at the shared webroot",
};

function serverNode(nginx: NginxState, file: string, line: number): ConfNode | undefined {
  return nginx.servers.find((server) => server.file === file && server.line === line)?.node;
}

function includesSnippet(server: ConfNode, snippetPath: string): boolean {
  return (server.block ?? []).some((node) => node.file === snippetPath);
}

function sameChallengeLocation(server: ConfNode, snippetPath: string): ConfNode | undefined {
  return (server.block ?? []).find((node) => {
    if (node.name !== "location" || node.file === snippetPath) return false;
    const spec = readLocationSpec(node);
    return spec !== undefined && (spec.kind === "prefix" || spec.kind === "noregex") && spec.value === "/.well-known/acme-challenge/";
  });
}

function editFor(repair: Repair, text: string, context: RepairContext, noregex: boolean, fallbackRoot: string | undefined): TextEdit {
  const server = repair.kind === "own-location" ? undefined : serverNode(context.nginx, repair.file, repair.line);
  switch (repair.kind) {
    case "add-include": {
      if (!server) return { ok: false, reason: "the server block is not where the configuration said" };
      if (sameChallengeLocation(server, context.snippetPath)) return { ok: false, reason: "it has its own location for /.well-known/acme-challenge/, which the include would duplicate" };
      return addIncludeToServer(text, repair.line, context.snippetPath);
    }
    case "move-redirect": {
      if (!server) return { ok: false, reason: "the server block is not where the configuration said" };
      if ((server.block ?? []).some((node) => node.name === "location" && node.file !== context.snippetPath)) {
        return { ok: false, reason: "the server has locations of its own (some from included files), which the server-level redirect hides today" };
      }
      return moveRedirectIntoLocation(text, repair.line, includesSnippet(server, context.snippetPath) ? undefined : context.snippetPath);
    }
    case "own-location":
      return pointLocationAtWebroot(text, repair.line, context.webroot, { noregex, ...(fallbackRoot === undefined ? {} : { fallbackRoot }) });
  }
}

/** Does the configuration with `file` replaced by `text` pass the challenge for every domain, through its webroot? */
function passes(context: RepairContext, file: string, text: string, snippet: string | undefined, subjects: readonly { domain: string; webroot: string }[]): boolean {
  let parsed;
  try {
    parsed = parseNginxConfig(text);
  } catch {
    return false;
  }
  const files = context.nginx.dump.files.map((entry) => (entry.file === file ? { file, directives: parsed } : entry));
  if (!files.some((entry) => entry.file === context.snippetPath) && snippet !== undefined) files.push({ file: context.snippetPath, directives: parseNginxConfig(snippet) });
  const { tree, servers } = analyseFiles(files, context.nginx.dump.skipped.map((entry) => entry.file));
  return subjects.every(
    ({ domain, webroot }) =>
      predictChallenge({ servers, http: tree.http, prefix: context.nginx.prefix }, { domain, webroot, token: "ngcert-fix-check", httpPort: context.httpPort, httpsPort: context.httpsPort, addressFor: context.addressFor }).ok === true,
  );
}

export type RepairPlan = { ok: true; fix: PlannedFix } | { ok: false; reason: string };

/**
 * `domains` must pass through the shared webroot afterwards; `keep` are challenges that pass today through another
 * webroot by way of the repaired location (a lineage not migrated yet) and must still pass.
 */
export function planRepair(repair: Repair, domains: readonly string[], context: RepairContext, keep: readonly { domain: string; webroot: string }[] = []): RepairPlan {
  let text: string;
  try {
    text = readFileSync(repair.file, "utf8");
  } catch (error) {
    return { ok: false, reason: `${repair.file} cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const snippetExists = existsSync(context.snippetPath);
  const snippet = snippetExists ? readFileSync(context.snippetPath, "utf8") : markOwned(renderAcmeSnippet(context.webroot));
  const fallbackRoots = [...new Set(keep.map((item) => item.webroot))];
  if (fallbackRoots.length > 1) return { ok: false, reason: `lineages renew through ${fallbackRoots.join(" and ")} by way of this location today` };
  const subjects = [...domains.map((domain) => ({ domain, webroot: context.webroot })), ...keep];
  let edit = editFor(repair, text, context, false, fallbackRoots[0]);
  if (edit.ok && !passes(context, repair.file, edit.text, snippet, subjects) && repair.kind === "own-location") edit = editFor(repair, text, context, true, fallbackRoots[0]);
  if (!edit.ok) return { ok: false, reason: edit.reason };
  if (!passes(context, repair.file, edit.text, snippet, subjects)) return { ok: false, reason: "after that change the configuration still would not serve every challenge it must" };
  const changes: FileChange[] = [];
  const needsSnippet = repair.kind !== "own-location" && !snippetExists;
  if (needsSnippet) changes.push({ path: context.snippetPath, before: undefined, after: snippet });
  changes.push({ path: repair.file, before: text, after: edit.text });
  return {
    ok: true,
    fix: {
      id: `${repair.kind} ${repair.file}:${repair.line}`,
      what: DESCRIBE[repair.kind],
      changes,
      reload: true,
      prove: subjects,
      diff: changes.map((change) => unifiedDiff(change.before ?? "", change.after, change.before === undefined ? "/dev/null" : change.path, change.path)).join(""),
    },
  };
}

/** Groups the challenge results by the repair they call for: one change per block, proven for all its domains. */
export function groupRepairs(results: readonly ChallengeResult[]): { repair: Repair; results: ChallengeResult[] }[] {
  const groups = new Map<string, { repair: Repair; results: ChallengeResult[] }>();
  for (const result of results) {
    const repair = result.judged?.repair;
    if (!repair) continue;
    const key = `${repair.kind} ${repair.file}:${repair.line}`;
    const group = groups.get(key) ?? { repair, results: [] };
    group.results.push(result);
    groups.set(key, group);
  }
  return [...groups.values()];
}
