// The full grid behind test/e2e/certbot-timing.test.ts: 6-, 45-, 64- and 90-day certificates at every 1% of their
// lifetime, and certbot 2.1's own `certbot renew` decision on each, before and after ngcert writes renew_before_expiry.
// Prints when certbot first finds each lifetime due, and how often its twice-daily timer would renew; then certbot's
// verdict at every run of that timer over a certificate's life (ages 12 h apart, plus the hour Let's Encrypt backdates
// notBefore), how many of those runs would renew it, and how many certificates the timer would get in 90 days
// replaying those verdicts. Exits 1 when certbot's decision after ngcert's change differs from ngcert's own anywhere.
// Run by .ci/run (needs certbot).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { keepRenewalConfs } from "../src/renewal/keep-renewal-confs.js";
import { judgeRenewalTiming } from "../src/timing/renewal-timing.js";
import { makeCa } from "../test/helpers/pki.js";
import { certbotDecisions, readCases, writeCases, type TimingCase } from "../test/renewal/certbot-decisions.js";
import { findPrograms } from "../test/world/programs.js";

const DAY = 86_400_000;
const LIFETIMES = [6, 45, 64, 90];
const STEPS = 100;
const HOUR = 3_600_000;
/** certbot's systemd timer (Debian): twice a day. */
const RUN_EVERY_MS = 12 * HOUR;
/** Let's Encrypt backdates notBefore by an hour: at the timer run after the one that renewed it, a certificate is 13 h old. */
const BACKDATE_MS = HOUR;

const search = findPrograms();
if (!search.found) {
  console.error(`certbot-timing-matrix: needs ${search.missing.join(", ")}`);
  process.exit(1);
}
const root = await mkdtemp(path.join(tmpdir(), "ngcert-timing-"));
try {
  const letsencryptDir = path.join(root, "letsencrypt");
  await mkdir(path.join(root, "xdg"), { recursive: true });
  // Ages half a step off the grid, so no lineage sits exactly on a boundary while certbot decides.
  const grid: TimingCase[] = LIFETIMES.flatMap((days) => Array.from({ length: STEPS }, (_, i) => ({ name: `l${days}-a${String(i).padStart(3, "0")}.example`, lifetimeMs: days * DAY, ageMs: ((i + 0.5) / STEPS) * days * DAY })));
  // Every run of certbot's timer during a certificate's life, after the run that issued it: run k sees it k * 12 h + 1 h old.
  const runsIn = (days: number): number => Math.ceil((days * DAY - BACKDATE_MS) / RUN_EVERY_MS) - 1;
  const timerRuns: TimingCase[] = LIFETIMES.flatMap((days) => Array.from({ length: runsIn(days) }, (_, i) => ({ name: `t${days}-r${String(i + 1).padStart(3, "0")}.example`, lifetimeMs: days * DAY, ageMs: (i + 1) * RUN_EVERY_MS + BACKDATE_MS })));
  const cases = [...grid, ...timerRuns];
  const now = Date.now();
  await writeCases(letsencryptDir, cases, await makeCa({ name: "Timing matrix CA" }), now);
  const before = await certbotDecisions(search.programs.certbot, letsencryptDir);
  keepRenewalConfs(readCases(letsencryptDir, cases));
  const after = await certbotDecisions(search.programs.certbot, letsencryptDir);
  const facts = new Map(readCases(letsencryptDir, cases).map((lineage) => [lineage.name, lineage]));

  const ngcertDue = (item: TimingCase): boolean => judgeRenewalTiming(facts.get(item.name)!, undefined, new Date(now)).due;
  let disagreements = 0;
  const rows: string[] = ["| lifetime | certbot due from (before) | renewals per 90 days (before) | certbot due from (after) | ngcert due from | renewals per 90 days (after) |", "|---|---|---|---|---|---|"];
  for (const days of LIFETIMES) {
    const mine = grid.filter((item) => item.lifetimeMs === days * DAY);
    const firstDue = (decisions: Map<string, boolean>): TimingCase | undefined => mine.find((item) => decisions.get(item.name) === true);
    for (const item of mine) {
      if (after.get(item.name) !== ngcertDue(item)) {
        disagreements++;
        console.error(`disagreement: ${item.name}: certbot ${after.get(item.name) ? "due" : "not due"}, ngcert ${ngcertDue(item) ? "due" : "not due"}`);
      }
    }
    const describe = (item: TimingCase | undefined): string => (item === undefined ? "never" : `${((item.ageMs / item.lifetimeMs) * 100).toFixed(1)}% (day ${(item.ageMs / DAY).toFixed(2)})`);
    // certbot's timer runs twice a day; a certificate due from age a is renewed every a (at least every run).
    const perNinety = (item: TimingCase | undefined): string => (item === undefined ? "0" : (90 / Math.max(0.5, item.ageMs / DAY)).toFixed(1));
    const ngcertFirst = mine.find(ngcertDue);
    rows.push(`| ${days} days | ${describe(firstDue(before))} | ${perNinety(firstDue(before))} | ${describe(firstDue(after))} | ${describe(ngcertFirst)} | ${perNinety(firstDue(after))} |`);
  }

  // certbot's verdict at each run of its timer, and 90 days of that timer replayed on them: a run that finds the
  // certificate due renews it, and the next run sees the new certificate 13 h old.
  const runRows: string[] = [
    "| lifetime | timer runs in its life | runs certbot renews at, before | first, before | runs certbot renews at, after | first, after | certificates per 90 days, before | after |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const days of LIFETIMES) {
    const runs = timerRuns.filter((item) => item.lifetimeMs === days * DAY);
    for (const item of runs) {
      if (after.get(item.name) !== ngcertDue(item)) {
        disagreements++;
        console.error(`disagreement: ${item.name}: certbot ${after.get(item.name) ? "due" : "not due"}, ngcert ${ngcertDue(item) ? "due" : "not due"}`);
      }
    }
    const count = (decisions: Map<string, boolean>): number => runs.filter((item) => decisions.get(item.name) === true).length;
    const first = (decisions: Map<string, boolean>): string => {
      const item = runs.find((run) => decisions.get(run.name) === true);
      return item === undefined ? "none" : `run ${runs.indexOf(item) + 1} (day ${(item.ageMs / DAY).toFixed(2)})`;
    };
    const replay = (decisions: Map<string, boolean>): number => {
      let renewals = 0;
      let sinceIssue = 0;
      for (let run = 1; run <= (90 * DAY) / RUN_EVERY_MS; run++) {
        sinceIssue++;
        // Past its life (no run within it found it due): certbot renews an expired certificate.
        const item = runs[sinceIssue - 1];
        if (item === undefined || decisions.get(item.name) === true) {
          renewals++;
          sinceIssue = 0;
        }
      }
      return renewals;
    };
    runRows.push(`| ${days} days | ${runs.length} | ${count(before)} | ${first(before)} | ${count(after)} | ${first(after)} | ${replay(before)} | ${replay(after)} |`);
  }
  console.log(`certbot ${search.programs.certbot}: ${cases.length} lineages, ages at every 1% of the lifetime and at every run of certbot's timer\n`);
  console.log(rows.join("\n"));
  console.log(`\ncertbot's timer (every ${RUN_EVERY_MS / HOUR} h; notBefore backdated ${BACKDATE_MS / HOUR} h): its verdict at each run of a certificate's life\n`);
  console.log(runRows.join("\n"));
  console.log(disagreements === 0 ? "\ncertbot and ngcert agree on every lineage after ngcert's renew_before_expiry" : `\n${disagreements} disagreement(s)`);
  process.exitCode = disagreements === 0 ? 0 : 1;
} finally {
  await rm(root, { recursive: true, force: true });
}
