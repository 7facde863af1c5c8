// The generated letsencrypt dir under .bench/, reused between runs while it still fits (same count, same place, fresh
// enough that its date spread is still realistic); regenerated on request or when it does not.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateLineages, type GeneratedLineage } from "./generate-lineages.js";

const FORMAT = 1;
/** Dates are relative to generation; after a week the spread of expiring/expired lineages has drifted too far. */
const MAX_AGE_MS = 7 * 86_400_000;

export interface BenchTree {
  letsencryptDir: string;
  lineages: GeneratedLineage[];
  generatedAt: string;
  /** Why it was (re)generated, or undefined when reused. */
  generatedBecause: string | undefined;
  generationMs: number | undefined;
}

interface Manifest {
  format: number;
  letsencryptDir: string;
  generatedAt: string;
  lineages: GeneratedLineage[];
}

export interface TreeOptions {
  benchDir: string;
  count: number;
  regenerate: boolean;
  now: Date;
}

export async function ensureBenchTree(options: TreeOptions): Promise<BenchTree> {
  const base = path.join(options.benchDir, `lineages-${options.count}`);
  const letsencryptDir = path.join(base, "letsencrypt");
  const manifestPath = path.join(base, "manifest.json");
  const reason = options.regenerate ? "--regenerate" : staleReason(manifestPath, letsencryptDir, options);
  if (reason === undefined) {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    return { letsencryptDir, lineages: manifest.lineages, generatedAt: manifest.generatedAt, generatedBecause: undefined, generationMs: undefined };
  }
  // The manifest is written last: a generation that was interrupted leaves no manifest and is redone.
  rmSync(base, { recursive: true, force: true });
  const started = performance.now();
  const lineages = await generateLineages(letsencryptDir, options.count, options.now);
  const generationMs = performance.now() - started;
  const manifest: Manifest = { format: FORMAT, letsencryptDir, generatedAt: options.now.toISOString(), lineages };
  writeFileSync(manifestPath, JSON.stringify(manifest));
  return { letsencryptDir, lineages, generatedAt: manifest.generatedAt, generatedBecause: reason, generationMs };
}

function staleReason(manifestPath: string, letsencryptDir: string, options: TreeOptions): string | undefined {
  if (!existsSync(manifestPath)) return "no tree yet";
  let manifest: Partial<Manifest>;
  try {
    manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Partial<Manifest>;
  } catch {
    return "unreadable manifest";
  }
  if (manifest.format !== FORMAT) return "older manifest format";
  // Renewal confs hold absolute paths: a tree copied or moved elsewhere points at the old place.
  if (manifest.letsencryptDir !== letsencryptDir) return `made for ${manifest.letsencryptDir}`;
  if (manifest.lineages?.length !== options.count) return "different lineage count";
  const age = options.now.getTime() - Date.parse(manifest.generatedAt ?? "");
  if (!(age >= 0 && age < MAX_AGE_MS)) return "older than a week";
  return undefined;
}
