// The renewal run `ngcert renew` and the watcher share (the caller holds the writer lock): keep the renewal confs in
// step, ask the CAs for renewal information, renew every lineage due by ngcert's judgement with its own
// `certbot renew --cert-name NAME --force-renewal` through ngcert's hooks (after a failure, a dry run against the
// staging CA first), then the door once more, and the failure budget updated from what really happened. `force`
// renews everything named in one certbot run; `dry-run` rehearses everything named and changes nothing.
import { existsSync } from "node:fs";
import { readRegularFile } from "../fs/read-regular-file.js";
import { commonCertbotArgs } from "../certbot/certbot-args.js";
import { hookShimPath } from "../certbot/hook-paths.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { DRY_RUN_ENV, proveRenewal } from "../certbot/prove-renewal.js";
import { parseRenewalConf, type RenewalConf } from "../certbot/renewal-conf.js";
import { parseRenewFailures, renewFailureReason } from "../certbot/renew-output.js";
import { bringIntoService, type LineageService, type ReloadOutcome } from "../deploy/bring-into-service.js";
import { createRunReport, readRunReport, removeRunReport, RUN_REPORT_ENV, type HookReport } from "../deploy/run-report.js";
import type { Exec, ExecResult } from "../exec.js";
import { NgcertError, escapeControl } from "../errors.js";
import { LETS_ENCRYPT_PRODUCTION } from "../settings/definitions.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { judgeRenewalTiming, type RenewReason } from "../timing/renewal-timing.js";
import { readTimingState, retainLineages, writeTimingState } from "../timing/timing-state.js";
import { checkCertbotReadsAri } from "./certbot-reads-ari.js";
import { keepRenewalConfs, type ConfSync } from "./keep-renewal-confs.js";
import { planRenewals, type PlannedRenewal } from "./plan-renewals.js";
import { refreshAri, type AriRefresh } from "./refresh-ari.js";
import { nextWake, updateBudget } from "./update-budget.js";

/** A renewal of many lineages, each an order at the CA: long, but never forever. */
export const CERTBOT_RENEW_TIMEOUT_MS = 3 * 3600_000;
/** One lineage's renewal: one order at the CA. */
export const CERTBOT_ONE_RENEWAL_TIMEOUT_MS = 15 * 60_000;

export type RenewMode = "due" | "force" | "dry-run";

export interface RenewRequest {
  mode: RenewMode;
  certName: string | undefined;
  env: Record<string, string | undefined>;
  /** The writer lock's token for certbot and, through it, ngcert's hooks. */
  lockEnv: Record<string, string>;
  showProgress: boolean;
  now: () => Date;
  random?: () => number;
  /** Run the door even when nothing was renewed (ngcert renew); the watcher has just run it. */
  settleAlways: boolean;
  workerScript?: string | undefined;
}

export type RenewedStatus = "renewed-served" | "renewed-unused" | "renewed-not-served" | "refused" | "failed" | "not-due" | "backoff";

export interface LineageRenewal {
  name: string;
  status: RenewedStatus;
  /** Why it is not served, refused, failed, not due, backing off. */
  reason?: string;
  /** Why it was renewed: the timing that made it due (due mode only). */
  trigger?: { reason: RenewReason; why: string; explanationURL: string | undefined };
  /** A dry run against the staging CA came first (the attempt after a failure), and passed. */
  provenFirst?: boolean;
}

export interface RenewSummary {
  lineages: LineageRenewal[];
  reload: ReloadOutcome | undefined;
  repaired: string[];
  hooksInstalled: boolean;
  confs: ConfSync;
  ari: AriRefresh | undefined;
  /** certbot reads ARI itself (4.1 and later): ngcert did not ask. */
  ariByCertbot: boolean;
  certbotExitCode: number;
  certbotOutput: string;
  /** The earliest instant after now at which something becomes due (for the watcher's next look). */
  nextWake: Date | undefined;
}

function readConf(facts: LineageFacts): RenewalConf | undefined {
  if (facts.confPath === undefined) return undefined;
  try {
    return parseRenewalConf(readRegularFile(facts.confPath));
  } catch {
    return undefined;
  }
}

const BUSY = /Another instance of Certbot is already running/;

export async function renewLineages(settings: Settings, exec: Exec, request: RenewRequest): Promise<RenewSummary> {
  const names = request.certName ? [request.certName] : [];
  const random = request.random ?? Math.random;
  const hooksInstalled = existsSync(hookShimPath(settings.letsencryptDir, "deploy"));
  // Through status's cache (keyed by every file's stamp): the watcher runs this at every instant a lineage becomes due.
  const read = (): Promise<LineageFacts[]> => collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: request.workerScript, alwaysInThreads: request.workerScript !== undefined });
  const before = await read();
  const summary: RenewSummary = { lineages: [], reload: undefined, repaired: [], hooksInstalled, confs: { changed: [], failed: [] }, ari: undefined, ariByCertbot: false, certbotExitCode: 0, certbotOutput: "", nextWake: undefined };
  if (request.mode === "dry-run") return rehearse(settings, exec, request, before, summary);

  summary.confs = keepRenewalConfs(before);
  const state = readTimingState(settings.letsencryptDir);
  if (names.length === 0) retainLineages(state, new Set(before.map((facts) => facts.name)));
  if (request.mode === "due") {
    summary.ariByCertbot = await checkCertbotReadsAri(settings, exec, state, request.now());
    if (!summary.ariByCertbot) summary.ari = await refreshAri(before, state, { now: request.now, random, env: request.env });
    writeTimingState(settings.letsencryptDir, state);
  }
  const now = request.now();
  const lineages: PlannedRenewal[] = before.map((facts) => ({ facts, timing: judgeRenewalTiming(facts, state.lineages[facts.name], now), conf: readConf(facts) }));
  const plan = request.mode === "force" ? { attempt: lineages, waiting: new Map() } : planRenewals(lineages, now);

  const report = createRunReport(settings.letsencryptDir);
  const env = { ...request.env, ...request.lockEnv, [RUN_REPORT_ENV]: report };
  const failed = new Map<string, string>();
  const busy = new Set<string>();
  const provenFirst = new Set<string>();
  let hookReports: HookReport[] = [];
  const outputs: string[] = [];
  try {
    if (request.mode === "force") {
      const result = await runCertbotRenew(settings, exec, request, env, ["--force-renewal", ...(request.certName ? ["--cert-name", request.certName] : [])], CERTBOT_RENEW_TIMEOUT_MS);
      const output = `${result.stdout}\n${result.stderr}`;
      outputs.push(output);
      summary.certbotExitCode = result.exitCode;
      const failedPaths = new Set(parseRenewFailures(output));
      for (const facts of before) if (failedPaths.has(facts.paths.fullchain)) failed.set(facts.name, renewFailureReason(output, facts));
      if (result.exitCode !== 0 && failed.size === 0) {
        throw new NgcertError("EXEC_FAILED", `certbot renew failed (exit code ${result.exitCode})`, { details: escapeControl(result.stderr || result.stdout) });
      }
    } else {
      for (const { facts, timing, conf } of plan.attempt) {
        if (timing.dryRunFirst) {
          // After a failure, production is asked again only once the staging CA accepts the same renewal.
          const proof = await proveRenewal(settings, exec, facts.name, conf!, { ...request.env, ...request.lockEnv });
          if (!proof.ok) {
            failed.set(facts.name, `the dry run against the staging CA failed, so production was not asked: ${renewFailureReason(proof.output, facts)}`);
            continue;
          }
          provenFirst.add(facts.name);
        }
        const result = await runCertbotRenew(settings, exec, request, env, ["--force-renewal", "--cert-name", facts.name], CERTBOT_ONE_RENEWAL_TIMEOUT_MS);
        const output = `${result.stdout}\n${result.stderr}`;
        outputs.push(output);
        if (result.exitCode === 0) continue;
        summary.certbotExitCode = result.exitCode;
        if (BUSY.test(output)) busy.add(facts.name);
        else failed.set(facts.name, renewFailureReason(output, facts));
      }
    }
  } finally {
    hookReports = readRunReport(report);
    removeRunReport(report);
  }
  summary.certbotOutput = outputs.join("\n").trim();

  const attempted = new Set(plan.attempt.map((lineage) => lineage.facts.name));
  let served: LineageService[] | undefined;
  // Whatever the hooks did or could not do (not installed, nginx down then), the door settles it now.
  if (request.settleAlways || attempted.size > 0) {
    const service = await bringIntoService(settings, exec, { by: "renew", now: request.now(), configChanged: false, workerScript: request.workerScript });
    summary.reload = service.reload;
    summary.repaired.push(...service.repaired);
    for (const lineage of service.lineages) if (lineage.status === "refused") hookReports.push({ hook: "post", lineages: [{ name: lineage.name, version: lineage.version, status: "refused", reason: lineage.reason, domains: lineage.domains }] });
    served = service.lineages;
  }
  const after = attempted.size > 0 ? await read() : before;
  // The deploy hook keeps the conf in step after each renewal; without ngcert's hooks installed, this does.
  if (attempted.size > 0) {
    const again = keepRenewalConfs(after);
    summary.confs.changed.push(...again.changed.filter((change) => !summary.confs.changed.some((earlier) => earlier.name === change.name && earlier.value === change.value)));
    summary.confs.failed.push(...again.failed);
  }

  const refused = new Map<string, string>();
  for (const hook of hookReports) for (const lineage of hook.lineages) if (lineage.status === "refused") refused.set(lineage.name, lineage.reason ?? "refused");
  const previous = new Map(before.map((facts) => [facts.name, facts.fingerprint]));
  const byName = new Map(lineages.map((lineage) => [lineage.facts.name, lineage]));
  summary.lineages = after.map((facts): LineageRenewal => {
    const planned = byName.get(facts.name);
    const trigger = request.mode === "due" && planned && attempted.has(facts.name) ? { reason: planned.timing.renewReason!, why: planned.timing.why, explanationURL: planned.timing.explanationURL } : undefined;
    const base = { name: facts.name, ...(trigger ? { trigger } : {}), ...(provenFirst.has(facts.name) ? { provenFirst: true } : {}) };
    if (busy.has(facts.name)) return { ...base, status: "failed", reason: "another certbot was running (its own timer?); it is tried again next time" };
    if (failed.has(facts.name)) return { ...base, status: "failed", reason: failed.get(facts.name) };
    if (refused.has(facts.name)) return { ...base, status: "refused", reason: refused.get(facts.name) };
    if (facts.fingerprint === undefined || previous.get(facts.name) === facts.fingerprint) {
      const waiting = plan.waiting.get(facts.name);
      return { ...base, status: waiting?.kind ?? "not-due", reason: waiting?.why ?? (attempted.has(facts.name) ? "certbot did not renew it" : undefined) };
    }
    const service = served?.find((lineage) => lineage.name === facts.name);
    if (service === undefined || service.status === "unused") return { ...base, status: "renewed-unused" };
    if (service.status === "served" || service.status === "already-served") return { ...base, status: "renewed-served" };
    return { ...base, status: "renewed-not-served", reason: service.reason ?? service.status };
  });

  updateBudget(state, summary.lineages, before, attempted, busy, request.now(), random);
  // A new certificate's renewal information is asked for right after its issuance (RFC 9773 §4.3).
  const renewed = after.filter((facts) => summary.lineages.some((lineage) => lineage.name === facts.name && lineage.status.startsWith("renewed")));
  if (request.mode === "due" && !summary.ariByCertbot && renewed.length > 0) {
    const fresh = await refreshAri(renewed, state, { now: request.now, random, env: request.env });
    summary.ari?.notes.push(...fresh.notes);
  }
  writeTimingState(settings.letsencryptDir, state);
  summary.nextWake = nextWake(after, state, request.now());
  return summary;
}

async function runCertbotRenew(settings: Settings, exec: Exec, request: RenewRequest, env: Record<string, string | undefined>, extra: string[], timeoutMs: number): Promise<ExecResult> {
  const args = [
    "renew",
    ...commonCertbotArgs(settings),
    // The scheduled renewal is certbot's own timer, which spreads its start itself; whoever runs this wants it now.
    "--no-random-sleep-on-renew",
    ...extra,
  ];
  return exec(settings.certbotBin, args, { allowFailure: true, inheritStderr: request.showProgress, env, timeoutMs });
}

/** `--dry-run`: certbot rehearses every named lineage; live/, the confs, the budget and nginx stay as they are. */
async function rehearse(settings: Settings, exec: Exec, request: RenewRequest, before: LineageFacts[], summary: RenewSummary): Promise<RenewSummary> {
  const report = createRunReport(settings.letsencryptDir);
  const env = { ...request.env, ...request.lockEnv, [RUN_REPORT_ENV]: report, [DRY_RUN_ENV]: "1" };
  const args = [
    "--dry-run",
    ...(request.certName ? ["--cert-name", request.certName] : []),
    // certbot rehearses a dry run against Let's Encrypt staging whatever CA the renewal conf names, unless --server
    // is given: a CA chosen in ngcert's settings (a private ACME CA, a test Pebble) is the one to rehearse against.
    ...(settings.server !== LETS_ENCRYPT_PRODUCTION ? ["--server", settings.server] : []),
  ];
  try {
    const result = await runCertbotRenew(settings, exec, request, env, args, CERTBOT_RENEW_TIMEOUT_MS);
    summary.certbotExitCode = result.exitCode;
    summary.certbotOutput = `${result.stdout}\n${result.stderr}`;
  } finally {
    removeRunReport(report);
  }
  const failedPaths = new Set(parseRenewFailures(summary.certbotOutput));
  summary.lineages = before.map((facts) => ({ name: facts.name, status: failedPaths.has(facts.paths.fullchain) ? "failed" : "not-due" }));
  return summary;
}
