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

export class WatchMetrics {
  readonly lineages = new Map<string, LineageMetrics>();
  lastCheck: Date | undefined;
  lastReload: { time: Date; success: boolean } | undefined;

  constructor(
    private readonly file: string | undefined,
    private readonly log: (line: string) => void,
  ) {}

  /** What ngcert remembers of each lineage's renewal timing, refreshed by the watcher after each renewal step. */
  timing: Readonly<Record<string, LineageTiming>> = {};

  remember(facts: LineageFacts, now: Date, servedMatches: boolean | undefined, extra: Problem[] = []): void {
    const renewal = judgeRenewalTiming(facts, this.timing[facts.name], now);
    this.lineages.set(facts.name, {
      notAfter: facts.notAfter,
      daysLeft: facts.notAfter === undefined ? undefined : daysLeft(facts.notAfter, now),
      servedMatches,
      problems: [...checkLineage(facts, { now }), ...renewal.problems, ...extra],
      renewAfter: renewal.renewAfter?.toISOString(),
      renewalFailures: renewal.failures,
    });
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
