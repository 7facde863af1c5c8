// certbot 2.1's own `certbot renew` is the oracle for what the renew_before_expiry ngcert writes does: generated
// 6-, 45-, 64- and 90-day certificates at ages around ngcert's renewal time and around certbot's 30-day default.
// Before: certbot renews 30 days before expiry whatever the lifetime (a 6-day certificate on every run). After:
// certbot is due exactly when ngcert is. scripts/certbot-timing-matrix.ts runs the full grid of ages.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keepRenewalConfs } from "../../src/renewal/keep-renewal-confs.js";
import { judgeRenewalTiming } from "../../src/timing/renewal-timing.js";
import { makeCa } from "../helpers/pki.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";
import { findPrograms, requirePrograms } from "../world/programs.js";
import { certbotDecisions, readCases, writeCases, type TimingCase } from "../renewal/certbot-decisions.js";

const programs = requirePrograms();
const DAY = 86_400_000;
const MIN = 60_000;
/** Ages sit this far from a boundary: certbot decides a few seconds after the certificates are made. */
const MARGIN = 10 * MIN;

function casesFor(lifetimeDays: number): TimingCase[] {
  const lifetimeMs = lifetimeDays * DAY;
  const window = lifetimeDays < 10 ? lifetimeMs / 2 : lifetimeMs / 3;
  const ages: [string, number][] = [
    ["fresh", MARGIN],
    ["before-ngcert", lifetimeMs - window - MARGIN],
    ["after-ngcert", lifetimeMs - window + MARGIN],
  ];
  // certbot's default: due with less than 30 days left.
  if (lifetimeDays > 30) ages.push(["before-default", lifetimeMs - 30 * DAY - MARGIN], ["after-default", lifetimeMs - 30 * DAY + MARGIN]);
  return ages.map(([label, ageMs]) => ({ name: `${label}.${lifetimeDays}d.example`, lifetimeMs, ageMs }));
}

describe.skipIf(programs.skip)(`certbot renew's own decisions on renew_before_expiry ngcert wrote${programs.skip ? ` (skipped: ${programs.reason})` : ""}`, () => {
  let workspace: Workspace | undefined;
  const cases = [6, 45, 64, 90].flatMap(casesFor);
  let before = new Map<string, boolean>();
  let after = new Map<string, boolean>();
  let now = 0;

  beforeAll(async () => {
    workspace = await createWorkspace();
    const certbot = (findPrograms() as { programs: { certbot: string } }).programs.certbot;
    await mkdir(path.join(workspace.root, "xdg"), { recursive: true });
    now = Date.now();
    await writeCases(workspace.letsencryptDir, cases, await makeCa({ name: "Timing CA" }), now);
    before = await certbotDecisions(certbot, workspace.letsencryptDir);
    const sync = keepRenewalConfs(readCases(workspace.letsencryptDir, cases));
    expect(sync.failed).toEqual([]);
    expect(sync.changed).toHaveLength(cases.length);
    after = await certbotDecisions(certbot, workspace.letsencryptDir);
  }, 120_000);

  afterAll(async () => {
    await removeWorkspace(workspace);
  });

  it("certbot decided on every lineage, both times", () => {
    expect([...before.keys()].sort()).toEqual(cases.map((item) => item.name).sort());
    expect([...after.keys()].sort()).toEqual(cases.map((item) => item.name).sort());
  });

  it("before: certbot renews 30 days before expiry whatever the lifetime", () => {
    for (const item of cases) expect(before.get(item.name), item.name).toBe(item.lifetimeMs - item.ageMs < 30 * DAY);
    // A fresh 6-day certificate is due on every run; a 45-day one a third into its life.
    expect(before.get("fresh.6d.example")).toBe(true);
    expect(before.get("before-ngcert.45d.example")).toBe(true);
  });

  it("after: certbot is due exactly when ngcert is, on the lifetime window", () => {
    const facts = readCases(workspace!.letsencryptDir, cases);
    for (const lineage of facts) {
      const ngcert = judgeRenewalTiming(lineage, undefined, new Date(now));
      expect(ngcert.renewReason).toBe("lifetime");
      expect(after.get(lineage.name), lineage.name).toBe(ngcert.due);
    }
    expect(after.get("fresh.6d.example")).toBe(false);
    for (const days of [6, 45, 64, 90]) {
      expect(after.get(`before-ngcert.${days}d.example`)).toBe(false);
      expect(after.get(`after-ngcert.${days}d.example`)).toBe(true);
    }
  });
});
