// The one door into service. Every path that reloads nginx (the deploy and post hooks, the watcher, renew, add,
// remove, init, reload) comes through here, so a check added here holds everywhere: finish what a killed run left,
// read the configuration nginx would load, apply the deploy checks to every lineage that reload would bring into
// service (refusing a bad version by rolling live/ back), reload, confirm nginx loaded it, and prove by handshake
// that each new certificate is served, else refuse it and reload back. The caller holds the writer lock.
import type { LineageFacts } from "../certbot/lineage.js";
import type { Exec } from "../exec.js";
import { NgcertError, describeError } from "../errors.js";
import { indexCertificateUsers } from "../nginx/certificate-users.js";
import { NginxTestError, testNginxConfig } from "../nginx/nginx-control.js";
import type { NginxTestFailure } from "../nginx/nginx-test-output.js";
import { isNginxRunning, readNginxDump, type NginxDump } from "../nginx/read-nginx-dump.js";
import { reloadNginx } from "../nginx/reload-nginx.js";
import { servedTarget } from "../served/served-target.js";
import { probeConcurrency, probeKey, probeServed, workerConnectionsOf, type ServedTarget } from "../served/probe-served.js";
import { waitUntilServedProbes, type ServedCheck } from "../served/wait-until-served.js";
import type { Settings } from "../settings/settings.js";
import { collectFacts } from "../status/collect-status.js";
import { judgeLineage, liveDirOf, probesFor, type LineageJudgement } from "./judge-lineage.js";
import { finishInterruptedRollbacks, rollBackLineage, type RollbackResult } from "./rollback-journal.js";
import { readServiceState, writeServiceState } from "./service-state.js";

export interface ServiceRequest {
  /** Who asks, for messages and the state file: "hook deploy", "add", ... */
  by: string;
  now: Date;
  /** The nginx configuration changed (init, add, remove, reload): reload even when every certificate is served already. */
  configChanged: boolean;
  /** Lineages to verify even when no nginx site uses them, with the names certbot issued them for. */
  focus?: readonly { name: string; renewedDomains?: readonly string[] }[];
  /** Judge, refuse what is unfit, but leave the reload to the renewal run's post hook (hooks/renew-run.ts). */
  verifyOnly?: boolean;
  servedTimeoutMs?: number;
  /** Read lineages on reader threads (the watcher's event loop must never stall on thousands of them). */
  workerScript?: string | undefined;
}

export type LineageServiceStatus =
  | "served" // brought into service by this reload, proven by handshake
  | "already-served" // nginx already serves the version on disk
  | "unused" // no nginx site uses it: verified on disk only
  | "verified" // verifyOnly: fit to serve, reload left to the post hook
  | "refused" // unfit, or not served after the reload: rolled back where an earlier version exists
  | "waiting" // fit to serve, but nginx could not be reloaded (someone else's broken file, nginx down)
  | "not-served"; // nginx still answers without it after the reload, as it did before: reported, nothing to roll back

export interface LineageService {
  name: string;
  /** The lineage as read when it was judged (before a rollback). */
  facts?: LineageFacts;
  version: number | undefined;
  status: LineageServiceStatus;
  /** The names nginx was asked for. */
  domains: string[];
  reason?: string;
  notes: string[];
  rollback?: RollbackResult;
  served?: ServedCheck[];
}

export type ReloadOutcome =
  | { status: "reloaded"; durationMs: number }
  | { status: "not-needed" }
  | { status: "deferred" }
  | { status: "nginx-down" }
  /** nginx -t fails for a reason no lineage is to blame for: nothing was reloaded, versions wait in live/. */
  | { status: "blocked"; reason: string; failure: NginxTestFailure | undefined }
  | { status: "failed"; reason: string };

export interface ServiceOutcome {
  lineages: LineageService[];
  reload: ReloadOutcome;
  /** Rollbacks an interrupted run left half done, finished first (staging leftovers are the commands' to clear, at their start). */
  repaired: string[];
  warnings: string[];
}

const MAX_REFUSAL_ROUNDS = 3;

export async function bringIntoService(settings: Settings, exec: Exec, request: ServiceRequest): Promise<ServiceOutcome> {
  const repaired = finishInterruptedRollbacks(settings.letsencryptDir).map((intent) => `${intent.name}: finished refusing version ${intent.refused} (${intent.reason})`);
  const outcome: ServiceOutcome = { lineages: [], reload: { status: "not-needed" }, repaired, warnings: [] };
  const results = new Map<string, LineageService>();
  const focus = new Map((request.focus ?? []).map((entry) => [entry.name, entry.renewedDomains ?? []]));
  const target = servedTarget(settings);

  // A refused lineage is judged again only as nginx uses it: the names certbot renewed were the refused version's.
  const refused = new Set<string>();
  const renewedFor = (name: string): readonly string[] => (refused.has(name) ? [] : (focus.get(name) ?? []));
  const refuse = (judgement: LineageJudgement, reason: string): void => {
    refused.add(judgement.facts.name);
    const rollback = rollBackLineage(settings.letsencryptDir, judgement.facts.name, judgement.liveDir, reason, request.now);
    results.set(judgement.facts.name, { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, status: "refused", domains: judgement.names, reason, notes: judgement.check.notes, rollback });
  };

  // Read, judge, refuse; once more after a refusal, since live/ then points at another version.
  let nginx: NginxDump | undefined;
  let judgements: LineageJudgement[] = [];
  let running = false;
  // Verifying only (a deploy hook inside a renewal run, once per renewed lineage) reads only the lineages asked about:
  // on a host of thousands, reading them all each time costs more than the rest of the hook. The others are read
  // when nginx -t names a file one of them may hold.
  const onlyFocus = request.verifyOnly === true && focus.size > 0;
  const read = (names: string[]): Promise<LineageFacts[]> =>
    collectFacts({ letsencryptDir: settings.letsencryptDir, names, cacheDir: settings.cacheDir, workerScript: request.workerScript, alwaysInThreads: request.workerScript !== undefined });
  const readFocus = async (): Promise<LineageFacts[]> => {
    try {
      return await read([...focus.keys()]);
    } catch (error) {
      // A name the watcher saw change may be gone since (deleted, renamed): then the whole tree, as without a focus.
      if (error instanceof NgcertError && error.code === "NOT_FOUND") return read([]);
      throw error;
    }
  };
  for (let round = 0; ; round++) {
    const all = onlyFocus ? await readFocus() : await read([]);
    try {
      nginx = await readNginxDump(settings, exec);
    } catch (error) {
      if (!(error instanceof NginxTestError)) throw error;
      const culprit = round < MAX_REFUSAL_ROUNDS ? lineageToBlame(onlyFocus && error.failure.loadFile !== undefined ? await read([]) : all, error.failure) : undefined;
      if (culprit && !refused.has(culprit.name)) {
        const judgement = judgeLineage(culprit, [], undefined, request.now, renewedFor(culprit.name), target);
        refuse(judgement, [...judgement.check.refusals, `nginx -t cannot load it: ${error.failure.message}`].join("; "));
        continue;
      }
      // Unfit versions among those asked about are refused, and nginx asked again: they may be what it could not load.
      const judged = onDisk(all, focus, request.now, target).filter((judgement) => !refused.has(judgement.facts.name));
      if (request.verifyOnly) {
        for (const judgement of judged) {
          if (judgement.check.refusals.length > 0) refuse(judgement, judgement.check.refusals.join("; "));
          else results.set(judgement.facts.name, { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, status: "verified", domains: [], notes: judgement.check.notes });
        }
        return finish(settings, request, outcome, results, [], { status: "deferred" });
      }
      const unfit = judged.filter((judgement) => judgement.check.refusals.length > 0 && !results.has(judgement.facts.name));
      for (const judgement of unfit) refuse(judgement, judgement.check.refusals.join("; "));
      if (round < MAX_REFUSAL_ROUNDS && unfit.some((judgement) => results.get(judgement.facts.name)?.rollback?.rolledBack === true)) continue;
      // Someone else's broken file: fit versions stay in live/ and wait for the next reload.
      return finish(settings, request, outcome, results, judged, { status: "blocked", reason: error.message, failure: error.failure });
    }
    running = isNginxRunning(nginx);
    outcome.warnings = nginx.skipped.map((file) => `${file.file}: not analysed (${file.reason}); searched as text for certificate paths`);
    // Verifying only judges only the lineages asked about: no reload follows here.
    const usersOf = indexCertificateUsers(nginx);
    const used = all
      .map((facts) => ({ facts, users: usersOf(liveDirOf(facts)) }))
      .filter(({ facts, users }) => (request.verifyOnly ? focus.has(facts.name) : users.length > 0 || focus.has(facts.name)));
    const served = running ? await probeServed(used.flatMap(({ facts, users }) => probesFor(facts, users, target)), { concurrency: probeConcurrency(workerConnectionsOf(nginx.files)) }) : undefined;
    judgements = used.map(({ facts, users }) => judgeLineage(facts, users, served, request.now, renewedFor(facts.name), target));
    const unfit = judgements.filter((judgement) => (judgement.changing || (focus.has(judgement.facts.name) && !refused.has(judgement.facts.name))) && judgement.check.refusals.length > 0);
    if (unfit.length === 0 || round >= MAX_REFUSAL_ROUNDS) break;
    for (const judgement of unfit) refuse(judgement, judgement.check.refusals.join("; "));
    if (unfit.every((judgement) => results.get(judgement.facts.name)?.rollback?.rolledBack !== true)) break;
  }

  const changing = judgements.filter((judgement) => judgement.changing && judgement.check.refusals.length === 0);
  const stuck = judgements.filter((judgement) => judgement.changing && judgement.check.refusals.length > 0);
  for (const judgement of judgements) {
    if (results.has(judgement.facts.name) && !judgement.changing) continue; // refused, and rolled back onto what nginx serves
    const base = { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, domains: judgement.names, notes: judgement.check.notes };
    if (judgement.users.length === 0) results.set(judgement.facts.name, judgement.check.refusals.length > 0 ? (results.get(judgement.facts.name) ?? { ...base, status: "refused", reason: judgement.check.refusals.join("; ") }) : { ...base, status: "unused" });
    else if (!judgement.changing) results.set(judgement.facts.name, { ...base, status: "already-served" });
  }
  if (request.verifyOnly) {
    for (const judgement of changing) results.set(judgement.facts.name, { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, status: "verified", domains: judgement.names, notes: judgement.check.notes });
    return finish(settings, request, outcome, results, [], { status: "deferred" });
  }
  if (!running) return finish(settings, request, outcome, results, changing, changing.length > 0 || request.configChanged ? { status: "nginx-down" } : { status: "not-needed" });
  if (stuck.length > 0) {
    // A version that fails the checks and has nothing earlier to go back to: any reload would serve it.
    const names = stuck.map((judgement) => judgement.facts.name).join(", ");
    return finish(settings, request, outcome, results, changing, { status: "blocked", reason: `not reloading nginx: it would serve ${names}, which failed the deploy checks`, failure: undefined });
  }
  if (changing.length === 0 && !request.configChanged) return finish(settings, request, outcome, results, [], { status: "not-needed" });

  const reloaded = await testAndReload(settings, exec, nginx!);
  if (reloaded.status !== "reloaded") return finish(settings, request, outcome, results, changing, reloaded);
  const proof = await waitUntilServedProbes(
    changing.flatMap((judgement) => judgement.probes.map((probe) => ({ probe, fingerprint: judgement.facts.fingerprint! }))),
    { timeoutMs: request.servedTimeoutMs ?? 15_000, concurrency: probeConcurrency(workerConnectionsOf(nginx!.files)) },
  );
  const byProbe = new Map(proof.map((check) => [probeKey(check.probe), check]));
  for (const judgement of changing) {
    const checks = judgement.probes.map((probe) => byProbe.get(probeKey(probe))!);
    const wrong = checks.filter((check) => !check.matches);
    const base = { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, domains: judgement.names, notes: judgement.check.notes, served: checks };
    if (wrong.length === 0) {
      results.set(judgement.facts.name, { ...base, status: "served" });
      continue;
    }
    // nginx loaded the configuration and the version passed every check: what it serves instead (another block
    // claiming the name first, a listen ngcert cannot reach) is not the version's doing, and going back to the
    // previous one would change nothing. Reported, not refused.
    const what = wrong.map((check) => `${check.domain} at ${check.probe.host}:${check.probe.port}: ${check.result.ok ? `nginx serves ${check.result.fingerprint.slice(0, 16)}…` : check.result.error}`).join(", ");
    results.set(judgement.facts.name, { ...base, status: "not-served", reason: `not served after the reload (${what})` });
  }
  return finish(settings, request, outcome, results, [], reloaded);
}

async function testAndReload(settings: Settings, exec: Exec, nginx: NginxDump): Promise<ReloadOutcome> {
  try {
    await testNginxConfig(settings, exec);
  } catch (error) {
    if (error instanceof NginxTestError) return { status: "blocked", reason: error.message, failure: error.failure };
    throw error;
  }
  try {
    const confirmation = await reloadNginx(settings, exec, nginx);
    return { status: "reloaded", durationMs: confirmation.durationMs };
  } catch (error) {
    if (error instanceof NgcertError && error.code === "RELOAD_FAILED") return { status: "failed", reason: error.message };
    return { status: "failed", reason: describeError(error) };
  }
}

/** The lineage whose file nginx could not load, when nginx names one. */
function lineageToBlame(all: readonly LineageFacts[], failure: NginxTestFailure): LineageFacts | undefined {
  if (failure.loadFile === undefined) return undefined;
  return all.find((facts) => Object.values(facts.paths).some((file) => file === failure.loadFile));
}

/** When nginx cannot be asked, the focus lineages are judged on disk alone. */
function onDisk(all: readonly LineageFacts[], focus: ReadonlyMap<string, readonly string[]>, now: Date, target: ServedTarget): LineageJudgement[] {
  // (Lineages refused in this call are filtered out by the caller.)
  return all.filter((facts) => focus.has(facts.name)).map((facts) => judgeLineage(facts, [], undefined, now, focus.get(facts.name) ?? [], target));
}

/** Records what waits for a reload, fills in the lineages not yet decided, and returns the outcome. */
function finish(settings: Settings, request: ServiceRequest, outcome: ServiceOutcome, results: Map<string, LineageService>, waiting: readonly LineageJudgement[], reload: ReloadOutcome): ServiceOutcome {
  const why = reload.status === "nginx-down" ? "nginx is not running" : "reason" in reload ? reload.reason : "";
  for (const judgement of waiting) {
    if (results.has(judgement.facts.name) && results.get(judgement.facts.name)!.status !== "verified") continue;
    results.set(judgement.facts.name, { name: judgement.facts.name, facts: judgement.facts, version: judgement.version, status: "waiting", domains: judgement.names, reason: why, notes: judgement.check.notes });
  }
  outcome.lineages = [...results.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  outcome.reload = reload;
  if (reload.status !== "deferred") {
    const state = readServiceState(settings.letsencryptDir);
    const time = request.now.toISOString();
    if (reload.status === "reloaded") state.lastReload = { time, by: request.by, ok: true };
    else if (reload.status === "blocked" || reload.status === "failed") state.lastReload = { time, by: request.by, ok: false, reason: reload.reason };
    for (const lineage of outcome.lineages) {
      if (lineage.status === "waiting") state.waiting[lineage.name] ??= { version: lineage.version, fingerprint: undefined, since: time, reason: lineage.reason ?? "" };
      else if (lineage.status !== "verified") delete state.waiting[lineage.name];
      if (lineage.status === "waiting") state.waiting[lineage.name]!.reason = lineage.reason ?? "";
    }
    writeServiceState(settings.letsencryptDir, state);
  }
  return outcome;
}
