// Kills an ngcert command at each of its steps and checks what it leaves. A command's steps are the faultStep() calls
// it makes (src/fs/fault-injection.ts): a first run with NGCERT_FAULT_TRACE lists them, then each run with
// NGCERT_FAULT_KILL_AT=<command>:<K> SIGKILLs the process exactly there, as a crash or `kill -9` would. After each kill
// the server must satisfy the invariants (test/world/invariants.ts), and the next ngcert command must finish or undo
// the step. `npm test` kills at a sample of the steps; NGCERT_FAULT_MATRIX=full (what .ci/run's fault script sets)
// kills at every one.
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { expect } from "vitest";
import { checkInvariants, type ServerExpectations } from "../../world/invariants.js";
import { describeRun, type NgcertRun } from "../../world/run-ngcert.js";
import type { World } from "../../world/world.js";

export interface KillScenario {
  /** The ngcert command as the fault seam names it: "add", "hook deploy", ... */
  command: string;
  /** Puts the server in the state the command starts from. */
  prepare: () => Promise<void>;
  /** Runs the command with extra environment. */
  run: (env: Record<string, string>) => Promise<NgcertRun>;
  /** What must hold after the kill, and after the next command repaired it. */
  expectations: (phase: "killed" | "repaired") => Promise<ServerExpectations>;
  /** The next ngcert command a person (or a timer) would run, and what it must achieve. */
  repair: () => Promise<void>;
}

export interface KillReport {
  steps: string[];
  killedAt: number[];
}

export const FULL_MATRIX = process.env.NGCERT_FAULT_MATRIX === "full";

/** Per test: each kill costs a few seconds (prepare, kill, invariants, the next command). */
export const MATRIX_TIMEOUT_MS = FULL_MATRIX ? 900_000 : 180_000;

/** Which steps to kill at: all of them in the full matrix, else the first, the last, and a spread between. */
export function stepsToKill(total: number, full = FULL_MATRIX): number[] {
  if (full || total <= 5) return Array.from({ length: total }, (_, i) => i + 1);
  const picked = new Set([1, total, Math.ceil(total / 4), Math.ceil(total / 2), Math.ceil((3 * total) / 4)]);
  return [...picked].sort((a, b) => a - b);
}

export async function traceSteps(world: World, scenario: KillScenario): Promise<string[]> {
  const trace = path.join(world.dirs.root, `trace-${scenario.command.replace(/\s+/g, "-")}.txt`);
  await rm(trace, { force: true });
  await scenario.prepare();
  const run = await scenario.run({ NGCERT_FAULT_TRACE: trace });
  expect(run.signal, describeRun(run)).toBeUndefined();
  const steps = (await readFile(trace, "utf8").catch(() => ""))
    .split("\n")
    .map((line) => line.split("\t"))
    .filter(([command]) => command === scenario.command)
    .map(([, , label]) => label!);
  await scenario.repair();
  return steps;
}

export async function runKillMatrix(world: World, scenario: KillScenario): Promise<KillReport> {
  const steps = await traceSteps(world, scenario);
  expect(steps.length, `${scenario.command} has no fault steps`).toBeGreaterThan(0);
  const killedAt = stepsToKill(steps.length);
  for (const step of killedAt) {
    await scenario.prepare();
    const expected = await scenario.expectations("killed");
    const run = await scenario.run({ NGCERT_FAULT_KILL_AT: `${scenario.command}:${step}` });
    const where = `${scenario.command} killed at step ${step} (${steps[step - 1]})`;
    expect(run.signal, `${where}\n${describeRun(run)}`).toBe("SIGKILL");
    expect(await checkInvariants(world, expected), where).toEqual([]);
    await scenario.repair();
    expect(await checkInvariants(world, await scenario.expectations("repaired")), `${where}, after the next command`).toEqual([]);
  }
  // What was killed where, for the CI log.
  process.stdout.write(`kill matrix: ${scenario.command}: ${steps.length} steps, killed at ${killedAt.length} (${killedAt.map((step) => `${step} ${steps[step - 1]}`).join("; ")}), invariants held after each kill and after the next command\n`);
  return { steps, killedAt };
}
