// What the watcher knows of each lineage, kept for the metrics file and written atomically after every change.
import { mkdirSync } from "node:fs";
import path from "node:path";
import type { LineageFacts } from "../certbot/lineage.js";
import { checkLineage, daysLeft } from "../checks/check-lineage.js";
import type { Problem } from "../certbot/problem.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { judgeRenewalTiming } from "../timing/renewal-timing.js";
import type { LineageTiming } from "../timing/timing-state.js";
import { renderMetrics, type LineageMetrics } from "./render-metrics.js";

/** What the metrics file says of one lineage: small, so a watcher of thousands keeps only this between checks. */
export function describeLineageMetrics(facts: LineageFacts, timing: LineageTiming | undefined, now: Date, servedMatches: boolean | undefined, extra: Problem[] = []): LineageMetrics {
  const renewal = judgeRenewalTiming(facts, timing, now);
  return {
    notAfter: facts.notAfter,
    daysLeft: facts.notAfter === undefined ? undefined : daysLeft(facts.notAfter, now),
    servedMatches,
    problems: [...checkLineage(facts, { now }), ...renewal.problems, ...extra],
    renewAfter: renewal.renewAfter?.toISOString(),
    renewalFailures: renewal.failures,
  };
}

export class WatchMetrics {
  readonly lineages = new Map<string, LineageMetrics>();
  lastCheck: Date | undefined;
  lastReload: { time: Date; success: boolean } | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  remember(name: string, lineage: LineageMetrics): void {
    this.lineages.set(name, lineage);
  }

  forget(name: string): boolean {
    return this.lineages.delete(name);
  }

  write(): void {
    if (!this.file) return;
    try {
      mkdirSync(path.dirname(this.file), { recursive: true });
      writeFileAtomic(this.file, renderMetrics({ lineages: this.lineages, lastCheck: this.lastCheck, lastReload: this.lastReload }), 0o644);
    } catch (error) {
      this.log(`cannot write ${this.file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
