// Writes N lineages in certbot's layout under one shared ECDSA P-384 intermediate (like Let's Encrypt's E-series),
// reusing the test helpers so the bench and the tests build lineages the same way.
// Run alone: `tsx bench/generate-lineages.ts DIR [--count N]`.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { makeCa, makeLeaf, type TestCert } from "../test/helpers/pki.js";
import { writeLineage } from "../test/helpers/lineage-tree.js";
import { planLineages, type PlannedLineage } from "./lineage-plan.js";

const DAY = 86_400_000;
/** Lineages in flight at once: RSA key generation runs on libuv's thread pool, the rest is file writes. */
const CONCURRENCY = 32;

/** What the bench expects ngcert and certbot to report for a lineage; dates as written in the certificate. */
export interface GeneratedLineage {
  name: string;
  domains: string[];
  keyType: string;
  authenticator: string;
  notBefore: string;
  notAfter: string;
}

export async function generateLineages(letsencryptDir: string, count = 2000, now = new Date()): Promise<GeneratedLineage[]> {
  const root = await makeCa({ name: "ngcert Bench Root X2", algorithm: "ecdsa-p384", notBefore: new Date(now.getTime() - 900 * DAY) });
  const intermediate = await makeCa({ name: "E9", issuer: root, algorithm: "ecdsa-p384", notBefore: new Date(now.getTime() - 400 * DAY) });
  await mkdir(letsencryptDir, { recursive: true });
  const plan = planLineages(count, now);
  const results: GeneratedLineage[] = new Array(plan.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.length) {
      const index = next++;
      results[index] = await writePlanned(letsencryptDir, plan[index]!, intermediate);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return results;
}

async function writePlanned(letsencryptDir: string, planned: PlannedLineage, intermediate: TestCert): Promise<GeneratedLineage> {
  const leaf = await makeLeaf({ domains: planned.domains, issuer: intermediate, algorithm: planned.algorithm, notBefore: planned.notBefore, notAfter: planned.notAfter });
  await writeLineage(letsencryptDir, {
    name: planned.name,
    leaf,
    // Let's Encrypt's default chain since 2024: the intermediate alone.
    chain: [intermediate],
    authenticator: planned.authenticator,
    version: planned.version,
    keyType: planned.algorithm === "rsa-2048" ? "rsa" : "ecdsa",
    webrootDomains: planned.domains,
  });
  return {
    name: planned.name,
    domains: planned.domains,
    keyType: planned.algorithm,
    authenticator: planned.authenticator,
    notBefore: leaf.certificate.notBefore.toISOString(),
    notAfter: leaf.certificate.notAfter.toISOString(),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { count: { type: "string", default: "2000" } } });
  const dir = positionals[0];
  if (!dir) {
    process.stderr.write("usage: tsx bench/generate-lineages.ts DIR [--count N]\n");
    process.exit(2);
  }
  const started = performance.now();
  const lineages = await generateLineages(path.resolve(dir), Number(values.count));
  process.stderr.write(`wrote ${lineages.length} lineages to ${dir} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
