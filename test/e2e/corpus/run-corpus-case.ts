// One corpus case end to end in its own test world: doctor, the configuration analysis and Pebble's real verdict
// for every name; doctor --fix and the same three again; migrate. Returns what happened, for the test to compare
// with the case's expectations and with Pebble.
import path from "node:path";
import { challengeSettingsOf, checkChallengePaths } from "../../../src/checks/challenge-paths.js";
import type { Finding } from "../../../src/checks/finding.js";
import { execProgram } from "../../../src/exec.js";
import { readNginxState } from "../../../src/nginx/read-nginx-state.js";
import { resolveSettings } from "../../../src/settings/resolve-settings.js";
import { describeRun, runNgcert, type NgcertRun } from "../../world/run-ngcert.js";
import { startWorld, type World } from "../../world/world.js";
import { prepareCase, readCase, registerAccount, type CorpusCase } from "./corpus-case.js";
import { readPebbleVerdicts, type PebbleVerdict } from "./pebble-verdict.js";

export interface Verdicts {
  /** The challenge code doctor reports for the name ("ok" for none). */
  doctor: Record<string, string>;
  /** What the configuration analysis alone predicts (true: the CA gets the token). */
  analysis: Record<string, boolean | undefined>;
  pebble: Record<string, PebbleVerdict>;
  /** Every code doctor reports that is not about a challenge. */
  otherCodes: string[];
  findings: Finding[];
}

export interface CaseRun {
  testCase: CorpusCase;
  init: NgcertRun | undefined;
  before: Verdicts;
  fix: NgcertRun;
  after: Verdicts;
  migrate: NgcertRun;
  /** "migrated", "unchanged", "blocked", ... per lineage, from migrate's summary lines. */
  migrated: Record<string, string>;
}

function domainsOf(testCase: CorpusCase): string[] {
  return testCase.lineages.flatMap((lineage) => lineage.domains);
}

async function judge(world: World, testCase: CorpusCase, config: string): Promise<Verdicts> {
  const doctor = await runNgcert(world, ["doctor", "--json", "--config", config], { env: { NGCERT_SYSTEM_ROOT: path.join(world.dirs.root, "system") } });
  if (doctor.exitCode !== 0 && doctor.exitCode !== 1) throw new Error(`doctor failed: ${describeRun(doctor)}`);
  const findings = (JSON.parse(doctor.stdout) as { findings: Finding[] }).findings;
  const domains = domainsOf(testCase);
  const verdicts: Verdicts = { doctor: {}, analysis: {}, pebble: {}, otherCodes: [], findings };
  for (const domain of domains) verdicts.doctor[domain] = findings.find((item) => item.domain === domain && item.code.startsWith("CHALLENGE_"))?.code ?? "ok";
  verdicts.otherCodes = [...new Set(findings.filter((item) => !item.code.startsWith("CHALLENGE_")).map((item) => item.code))].sort();

  // The analysis on its own, through the library API the lead's init and add will call.
  const settings = resolveSettings({ flags: {}, env: world.env, config: {}, cwd: world.dirs.root });
  const nginx = await readNginxState(settings, execProgram);
  const results = await checkChallengePaths(
    { ...nginx, running: false },
    challengeSettingsOf(settings),
    domains.map((domain) => ({ lineage: "corpus", domain, webroot: world.dirs.webroot, purpose: "the shared webroot" })),
  );
  for (const result of results) verdicts.analysis[result.subject.domain] = result.prediction.ok;
  verdicts.pebble = await readPebbleVerdicts(world, domains);
  return verdicts;
}

export async function runCorpusCase(id: string): Promise<CaseRun> {
  const testCase = await readCase(id);
  const world = await startWorld({ challengeServer: false });
  try {
    const config = path.join(world.dirs.root, "no-config.json");
    const init = testCase.init ? await runNgcert(world, ["init", "--config", config]) : undefined;
    if (init && init.exitCode !== 0) throw new Error(`ngcert init failed for ${id}: ${describeRun(init)}`);
    await prepareCase(world, testCase, await registerAccount(world));
    const env = { NGCERT_SYSTEM_ROOT: path.join(world.dirs.root, "system") };
    const before = await judge(world, testCase, config);
    const fix = await runNgcert(world, ["doctor", "--fix", "--config", config], { env, timeoutMs: 120_000 });
    const after = await judge(world, testCase, config);
    const migrate = await runNgcert(world, ["migrate", "--config", config], { env, timeoutMs: 180_000 });
    const migrated: Record<string, string> = {};
    for (const match of migrate.stdout.matchAll(/^(migrated|unchanged|skipped|blocked|failed): ([^\s:]+)/gm)) migrated[match[2]!] = match[1]!;
    return { testCase, init, before, fix, after, migrate, migrated };
  } finally {
    await world.stop();
  }
}
