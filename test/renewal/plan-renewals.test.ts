// Which lineages a renewal run renews, in which order, and why each other one waits.
import { describe, expect, it } from "vitest";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import { parseRenewalConf } from "../../src/certbot/renewal-conf.js";
import { planRenewals, type PlannedRenewal } from "../../src/renewal/plan-renewals.js";
import type { RenewalTiming } from "../../src/timing/renewal-timing.js";

const NOW = new Date("2026-06-01T12:00:00Z");
const CONF = "cert = /c\nprivkey = /k\nchain = /ch\nfullchain = /f\n[renewalparams]\nauthenticator = webroot\n";

function lineage(name: string, timing: Partial<RenewalTiming>, conf: string | null = CONF): PlannedRenewal {
  const facts = { name, confPath: conf === null ? undefined : `/r/${name}.conf` } as LineageFacts;
  const full: RenewalTiming = { renewAfter: new Date("2026-05-01T00:00:00Z"), renewReason: "lifetime", due: true, why: "a third of its 90-day lifetime left", explanationURL: undefined, nextAttempt: undefined, lastError: undefined, failures: 0, failingSince: undefined, dryRunFirst: false, problems: [], ...timing };
  return { facts, timing: full, conf: conf === null ? undefined : parseRenewalConf(conf) };
}

describe("planRenewals", () => {
  it("renews what is due, the earliest first, and says why the others wait", () => {
    const plan = planRenewals(
      [
        lineage("later.example", { renewAfter: new Date("2026-05-20T00:00:00Z") }),
        lineage("earlier.example", { renewAfter: new Date("2026-05-10T00:00:00Z"), renewReason: "ari" }),
        lineage("fresh.example", { renewAfter: new Date("2026-07-01T00:00:00Z"), due: false }),
        lineage("failing.example", { nextAttempt: new Date("2026-06-01T13:00:00Z"), failures: 2, lastError: "timeout" }),
        lineage("retry.example", { nextAttempt: new Date("2026-06-01T11:00:00Z"), failures: 2, dryRunFirst: true }),
        lineage("off.example", {}, `${CONF}autorenew = False\n`),
        lineage("orphan.example", { renewAfter: undefined, due: false, why: "certbot cannot renew it" }, null),
      ],
      NOW,
    );
    expect(plan.attempt.map((item) => item.facts.name)).toEqual(["retry.example", "earlier.example", "later.example"]);
    expect(Object.fromEntries(plan.waiting)).toEqual({
      "fresh.example": { kind: "not-due", why: "not due until 2026-07-01T00:00:00.000Z (a third of its 90-day lifetime left)" },
      "failing.example": { kind: "backoff", why: "due since 2026-05-01T00:00:00.000Z, but not tried again before 2026-06-01T13:00:00.000Z (2 failed attempts; last error: timeout)" },
      "off.example": { kind: "not-due", why: "autorenew is off in its renewal conf" },
      "orphan.example": { kind: "not-due", why: "certbot cannot renew it: its renewal conf is missing or invalid (ngcert status says why)" },
    });
  });
});
