// What no truthful `status` can go below on this machine, measured in the same run as certbot: the signature checks a
// cold run must make (certbot makes them too), and the start-up, stats and cache read a warm run must make. Shown next
// to the time each speed-up target allows, so a missed target says whether the program or the machine is short.
import { X509Certificate } from "node:crypto";
import { availableParallelism } from "node:os";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { median, runTimed } from "./measure.js";
import { BrokenRun, type RunnerSetup } from "./runners.js";
import { TARGETS } from "./targets.js";

const FLOOR_WARM = path.join(path.dirname(fileURLToPath(import.meta.url)), "floor-warm.mjs");

/** certbotMs and nodeStartMs (`node -e 0`) are medians measured earlier in the same run. */
export function renderFloors(setup: RunnerSetup, certbotMs: number, nodeStartMs: number, runs: number): string {
  const cores = availableParallelism();
  const signatures = timeSignatureChecks(setup);
  const warm = timeWarmFloor(setup, runs);
  const coldFloor = nodeStartMs + signatures.ms / cores;
  const coldBudget = certbotMs / TARGETS.coldSpeedup;
  const warmBudget = certbotMs / TARGETS.warmSpeedup;
  const algorithms = [...signatures.algorithms].map(([name, n]) => `${n} ${name}`).join(", ");
  const verdict = (floor: number, budget: number): string => (floor > budget ? "the floor alone is over it: out of reach on this machine" : `${(budget - floor).toFixed(0)} ms left above the floor`);
  return [
    "",
    `floors on this machine (certbot certificates ${certbotMs.toFixed(0)} ms, median of this run):`,
    `  cold: checking ${signatures.count} leaf signatures against their chains (${algorithms}) takes ${signatures.ms.toFixed(0)} ms on one core, ${(signatures.ms / cores).toFixed(0)} ms spread over ${cores}; with node's start (${nodeStartMs.toFixed(0)} ms) ${coldFloor.toFixed(0)} ms before a file is read; ${TARGETS.coldSpeedup}x certbot allows ${coldBudget.toFixed(0)} ms for the whole run; ${verdict(coldFloor, coldBudget)}`,
    `  warm: node start, list, ${warm.stats} stats, cache read, print (bench/floor-warm.mjs) ${warm.ms.toFixed(0)} ms, median of ${runs}; ${TARGETS.warmSpeedup}x certbot allows ${warmBudget.toFixed(0)} ms; ${verdict(warm.ms, warmBudget)}`,
    "",
  ].join("\n");
}

/** Every lineage's current leaf checked against the first certificate of its chain, in this process, on one core. */
function timeSignatureChecks(setup: RunnerSetup): { count: number; ms: number; algorithms: Map<string, number> } {
  const pairs = setup.lineages.map((lineage) => {
    const live = path.join(setup.letsencryptDir, "live", lineage.name);
    return { leaf: new X509Certificate(readFileSync(path.join(live, "cert.pem"))), issuer: new X509Certificate(readFileSync(path.join(live, "chain.pem"))) };
  });
  const algorithms = new Map<string, number>();
  for (const { issuer } of pairs) {
    const key = issuer.publicKey;
    const name = key.asymmetricKeyType === "ec" ? `EC ${key.asymmetricKeyDetails?.namedCurve ?? "?"}` : `${key.asymmetricKeyType ?? "?"} ${key.asymmetricKeyDetails?.modulusLength ?? ""}`.trim();
    algorithms.set(`${name} issuer`, (algorithms.get(`${name} issuer`) ?? 0) + 1);
  }
  // One unmeasured pass, so the measured one pays for no first-call set-up.
  pairs.slice(0, 20).forEach(({ leaf, issuer }) => leaf.verify(issuer.publicKey));
  // The fastest of three passes: a floor, so a pass slowed by a neighbour on the machine does not count.
  let ms = Number.POSITIVE_INFINITY;
  let good = 0;
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    good = 0;
    for (const { leaf, issuer } of pairs) if (leaf.verify(issuer.publicKey)) good++;
    ms = Math.min(ms, performance.now() - started);
  }
  if (good < pairs.length * 0.9) throw new BrokenRun(`only ${good} of ${pairs.length} bench leaves verify against their chains: the tree is not what the floor assumes`);
  return { count: pairs.length, ms, algorithms };
}

function timeWarmFloor(setup: RunnerSetup, runs: number): { ms: number; stats: number } {
  const cacheFile = readdirSync(setup.cacheDir).find((name) => name.startsWith("status-") && name.endsWith(".json"));
  if (cacheFile === undefined) throw new BrokenRun(`no status cache in ${setup.cacheDir} after the warm runs`);
  const args = [FLOOR_WARM, setup.letsencryptDir, path.join(setup.cacheDir, cacheFile)];
  const times: number[] = [];
  for (let i = -2; i < runs; i++) {
    const run = runTimed(process.execPath, args, { env: setup.env });
    if (run.status !== 0) throw new BrokenRun(`bench/floor-warm.mjs exited ${run.status}: ${run.stderr.trim()}`);
    const printed = (JSON.parse(run.stdout) as unknown[]).filter((facts) => facts !== null).length;
    if (printed !== setup.lineages.length) throw new BrokenRun(`bench/floor-warm.mjs found ${printed} cached lineages, expected ${setup.lineages.length}`);
    if (i >= 0) times.push(run.ms);
  }
  return { ms: median(times), stats: setup.lineages.length * 5 };
}
