// The watch bench (issue 6): how fast a renewal that bypassed ngcert reaches nginx (median of several, on the real
// test world), and what an idle watcher costs with 2,000 lineages (RSS, CPU), with PASS/FAIL against the targets.
import { median } from "./measure.js";
import { renderVerdicts, type Verdict } from "./render-report.js";
import { TARGETS } from "./targets.js";
import { SETTLE_SECONDS, type IdleResult } from "./watch-idle.js";
import type { Reaction } from "./watch-reaction.js";

export interface WatchResults {
  reactions: Reaction[];
  idle: IdleResult[];
  count: number;
}

export function judgeWatch(results: WatchResults): Verdict[] {
  const reaction = median(results.reactions.map((entry) => entry.servedMs));
  return [
    { label: "renewal to served, median", measured: `${reaction.toFixed(0)} ms`, goal: `<= ${TARGETS.watchReactionMs} ms`, pass: reaction <= TARGETS.watchReactionMs },
    ...results.idle.flatMap((idle): Verdict[] => {
      const rssMiB = idle.settled.rssKiB / 1024;
      const cpuPercent = (idle.idleCpuSeconds / idle.idleSeconds) * 100;
      return [
        { label: `idle RSS, ${results.count} lin., ${idle.cache}`, measured: `${rssMiB.toFixed(1)} MiB`, goal: `< ${TARGETS.watchIdleRssMiB} MiB`, pass: rssMiB < TARGETS.watchIdleRssMiB },
        { label: `idle CPU after ${SETTLE_SECONDS} s settle, ${idle.cache}`, measured: `${cpuPercent.toFixed(2)} %`, goal: `<= ${TARGETS.watchIdleCpuPercent} %`, pass: cpuPercent <= TARGETS.watchIdleCpuPercent },
      ];
    }),
  ];
}

export function renderWatchReport(results: WatchResults, verdicts: readonly Verdict[]): string {
  const { reactions, idle } = results;
  const row = (label: string, pick: (entry: Reaction) => number): string =>
    `${`${label}, ms`.padEnd(50)}${reactions.map((entry) => pick(entry).toFixed(0)).join(", ")}  (median ${median(reactions.map(pick)).toFixed(0)})`;
  const out = [
    `ngcert watch: ${reactions.length} renewals by certbot with no ngcert hook (real test world), then idle with ${results.count} lineages`,
    "",
    row("certbot exit -> new serial in a handshake", (entry) => entry.servedMs),
    row("last live/ link swap -> new serial served", (entry) => entry.sinceSwapMs),
    row("certbot exit -> watcher's \"reloaded\" line", (entry) => entry.reloadedEventMs),
    `${"handshakes polled (every 20 ms)".padEnd(50)}${reactions.map((entry) => entry.handshakes).join(", ")}`,
    "",
    `${"idle watcher, facts cache".padEnd(40)}${idle.map((entry) => entry.cache.padStart(12)).join("")}`,
    ...(
      [
        ["start-up to \"started\" (live/ watched), s", (entry) => (entry.startedMs / 1000).toFixed(1)],
        ["first full check, s", (entry) => (entry.firstCheckMs / 1000).toFixed(1)],
        ["CPU from start to the check's end, s", (entry) => entry.firstCheckCpuSeconds.toFixed(1)],
        ["RSS 2 s after the check, MiB", (entry) => (entry.settled.rssKiB / 1024).toFixed(1)],
        ["peak RSS, MiB", (entry) => (entry.settled.peakKiB / 1024).toFixed(1)],
        [`CPU in the ${SETTLE_SECONDS} s after (memory reducer), ms`, (entry) => (entry.settleCpuSeconds * 1000).toFixed(0)],
        [`RSS after those ${SETTLE_SECONDS} s, MiB`, (entry) => (entry.afterSettle.rssKiB / 1024).toFixed(1)],
        ["CPU while idle after that, ms", (entry) => `${(entry.idleCpuSeconds * 1000).toFixed(0)} / ${entry.idleSeconds.toFixed(0)} s`],
        ["event lines", (entry) => String(entry.events)],
      ] satisfies Array<[string, (entry: IdleResult) => string]>
    ).map(([label, pick]) => `${label.padEnd(40)}${idle.map((entry) => pick(entry).padStart(12)).join("")}`),
    "",
    renderVerdicts(verdicts),
  ];
  return `${out.join("\n")}\n`;
}
