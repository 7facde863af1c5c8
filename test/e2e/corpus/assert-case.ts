// What a corpus case must show: for every name, doctor's verdict, the analysis's prediction and Pebble's real one
// agree (before and after doctor --fix); doctor reports the expected codes; migrate moves what it should.
import { expect } from "vitest";
import { describeRun } from "../../world/run-ngcert.js";
import type { CaseRun, Verdicts } from "./run-corpus-case.js";

function agreement(verdicts: Verdicts): string[] {
  const problems: string[] = [];
  for (const [domain, pebble] of Object.entries(verdicts.pebble)) {
    const doctorOk = verdicts.doctor[domain] === "ok";
    if (doctorOk !== pebble.ok) problems.push(`${domain}: doctor says ${verdicts.doctor[domain]}, Pebble says ${pebble.ok ? "valid" : pebble.detail}`);
    if (verdicts.analysis[domain] !== pebble.ok) problems.push(`${domain}: the analysis predicts ${String(verdicts.analysis[domain])}, Pebble says ${pebble.ok ? "valid" : pebble.detail}`);
  }
  return problems;
}

export function assertCase(run: CaseRun): void {
  const { expect: wanted } = run.testCase;
  const context = `doctor --fix: ${describeRun(run.fix)}\nmigrate: ${describeRun(run.migrate)}`;
  expect(agreement(run.before), "before doctor --fix").toEqual([]);
  expect(run.before.doctor, "challenge verdicts before doctor --fix").toEqual(wanted.doctor);
  expect(run.before.otherCodes, "other findings before doctor --fix").toEqual([...wanted.codes].sort());
  expect(agreement(run.after), `after doctor --fix\n${context}`).toEqual([]);
  expect(run.after.doctor, `challenge verdicts after doctor --fix\n${context}`).toEqual(wanted.fixed);
  expect(run.after.otherCodes, `other findings after doctor --fix\n${context}`).toEqual([...(wanted.fixedCodes ?? wanted.codes)].sort());
  expect(run.migrated, context).toEqual(wanted.migrate);
  // Every diff doctor showed for a challenge names a file and hunk, and a fix that failed says so.
  for (const item of run.before.findings) {
    if (item.code.startsWith("CHALLENGE_") && item.fix?.startsWith("--- ")) expect(item.fix).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m);
  }
  expect(run.fix.stderr, context).not.toContain("NOT fixed");
  // The figures, for the CI log.
  const count = (verdicts: Verdicts): string => {
    const names = Object.keys(verdicts.pebble);
    return `${names.filter((name) => verdicts.pebble[name]!.ok).length}/${names.length} valid at Pebble`;
  };
  process.stdout.write(`corpus ${run.testCase.id}: before doctor --fix ${count(run.before)}, after ${count(run.after)}; doctor and the analysis agreed with Pebble on every name; migrated ${JSON.stringify(run.migrated)}\n`);
}
