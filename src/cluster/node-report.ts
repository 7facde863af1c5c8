// `ngcert cluster report`: what one node holds, as the issuer's sync and `status --nodes` ask for it over ssh: each
// lineage's version and certificate in live/, its problems, whether certbot may renew it here, when it last arrived
// from the issuer, and (when asked) what nginx presents for each of its names; and the account thumbprint this
// node's challenge location answers with.
import { existsSync, readFileSync } from "node:fs";
import { readRegularFile } from "../fs/read-regular-file.js";
import { findClusterAccount } from "../certbot/account.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { checkLineage } from "../checks/check-lineage.js";
import { readServiceState } from "../deploy/service-state.js";
import { liveDirOf } from "../deploy/judge-lineage.js";
import { linkedVersion } from "../deploy/lineage-versions.js";
import { describeError } from "../errors.js";
import { acmeSnippetPath, readSnippetThumbprint } from "../nginx/render-acme.js";
import { servedTarget } from "../served/served-target.js";
import { verifyLineages } from "../served/verify-lineages.js";
import { fetchServed } from "../served/probe-served.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { readReceived, type ReceivedRecord } from "./cluster-state.js";
import { isAutorenewEnabled } from "./rebase-renewal-conf.js";

export const REPORT_FORMAT = 1;

export interface NodeLineage {
  name: string;
  version: number | null;
  fingerprint: string | null;
  notBefore: string | null;
  notAfter: string | null;
  domains: string[];
  /** Problem codes, status's (and verify's when served was asked). */
  problems: { code: string; message: string }[];
  /** certbot on this node would renew it by itself. */
  autorenew: boolean;
  /** The certificate nginx presents for each name, when asked. */
  served?: { domain: string; fingerprint: string | null; error?: string }[];
  lastSync: ReceivedRecord | null;
}

export interface NodeReport {
  format: number;
  node: string;
  /** The thumbprint of the cluster's account here; null when this node has no account. */
  accountThumbprint: string | null;
  /** What the challenge location answers with; null when it is not the cluster's (stateless) one. */
  snippetThumbprint: string | null;
  lineages: NodeLineage[];
  problems: string[];
}

export async function readNodeReport(settings: Settings, self: string, options: { now: Date; served: boolean; names?: readonly string[]; workerScript?: string | undefined }): Promise<NodeReport> {
  const problems: string[] = [];
  let accountThumbprint: string | null = null;
  try {
    accountThumbprint = findClusterAccount(settings.letsencryptDir, settings.server, settings.cluster?.account)?.thumbprint ?? null;
  } catch (error) {
    problems.push(describeError(error));
  }
  let snippetThumbprint: string | null = null;
  try {
    snippetThumbprint = readSnippetThumbprint(readFileSync(acmeSnippetPath(settings.nginxDir), "utf8")) ?? null;
  } catch {
    snippetThumbprint = null;
  }
  // A node set up a moment ago has no letsencrypt dir yet: it holds nothing, which is an answer, not an error.
  if (!existsSync(settings.letsencryptDir)) return { format: REPORT_FORMAT, node: self, accountThumbprint, snippetThumbprint, lineages: [], problems };
  const all = await collectFacts({ letsencryptDir: settings.letsencryptDir, names: options.names ?? [], cacheDir: settings.cacheDir, workerScript: options.workerScript });
  const received = readReceived(settings.letsencryptDir);
  const verified = options.served ? await verifyLineages(all, { target: servedTarget(settings), now: options.now, warnDays: undefined, waiting: readServiceState(settings.letsencryptDir).waiting }) : undefined;
  const served = options.served ? await fetchServed(servedTarget(settings), all.flatMap((facts) => facts.domains.filter((domain) => !domain.startsWith("*.")))) : undefined;
  const lineages = all.map((facts, index): NodeLineage => ({
    name: facts.name,
    version: linkedVersion(liveDirOf(facts)) ?? null,
    fingerprint: facts.fingerprint ?? null,
    notBefore: facts.notBefore ?? null,
    notAfter: facts.notAfter ?? null,
    domains: facts.domains,
    problems: (verified?.[index]?.problems ?? checkLineage(facts, { now: options.now })).map((problem) => ({ code: problem.code, message: problem.message })),
    autorenew: autorenewOf(facts),
    ...(served
      ? {
          served: facts.domains
            .filter((domain) => !domain.startsWith("*."))
            .map((domain) => {
              const result = served.get(domain);
              return result?.ok ? { domain, fingerprint: result.fingerprint } : { domain, fingerprint: null, error: result?.error ?? "not asked" };
            }),
        }
      : {}),
    lastSync: Object.hasOwn(received, facts.name) ? received[facts.name]! : null,
  }));
  return { format: REPORT_FORMAT, node: self, accountThumbprint, snippetThumbprint, lineages, problems };
}

function autorenewOf(facts: LineageFacts): boolean {
  if (facts.confPath === undefined) return false;
  try {
    return isAutorenewEnabled(readRegularFile(facts.confPath).toString("utf8"));
  } catch {
    return false;
  }
}

export function parseNodeReport(text: string, node: string, stderr = ""): NodeReport {
  const line = text.trim().split("\n").pop() ?? "";
  let data: Partial<NodeReport>;
  try {
    data = JSON.parse(line) as Partial<NodeReport>;
  } catch {
    // What ngcert there said on stderr is the reason (a config it cannot read, a letsencrypt dir it cannot open).
    const said = stderr.trim().split("\n").filter(Boolean).slice(-2).join(" / ");
    throw new Error(`${node} did not answer with a report: ${said || line.slice(0, 200) || "no output"}`);
  }
  if (data.format !== REPORT_FORMAT || !Array.isArray(data.lineages) || typeof data.node !== "string") throw new Error(`${node} answered with a report this ngcert cannot read (format ${JSON.stringify(data.format)}): run the same ngcert on every node`);
  return data as NodeReport;
}
