// Which lineages `ngcert renew` and the watcher renew now, and why each of the others waits: due by ngcert's
// judgement (timing/renewal-timing.ts), with a renewal conf certbot can use, automatic renewal not switched off, and
// the failure budget allowing an attempt. Pure.
import type { LineageFacts } from "../certbot/lineage.js";
import type { RenewalConf } from "../certbot/renewal-conf.js";
import type { RenewalTiming } from "../timing/renewal-timing.js";

export type Waiting =
  | { kind: "not-due"; why: string }
  /** Due, but the failure budget holds the next attempt back. */
  | { kind: "backoff"; why: string };

export interface PlannedRenewal {
  facts: LineageFacts;
  timing: RenewalTiming;
  conf: RenewalConf | undefined;
}

export interface RenewalPlan {
  attempt: PlannedRenewal[];
  waiting: Map<string, Waiting>;
}

/** configobj's as_bool: certbot reads `autorenew = False` (and no, off, 0) as switched off. */
export function autorenewOff(conf: RenewalConf | undefined): boolean {
  const value = conf?.params.autorenew;
  return typeof value === "string" && /^(false|no|off|0)$/i.test(value.trim());
}

export function planRenewals(lineages: readonly PlannedRenewal[], now: Date): RenewalPlan {
  const plan: RenewalPlan = { attempt: [], waiting: new Map() };
  for (const lineage of lineages) {
    const { facts, timing, conf } = lineage;
    const at = timing.renewAfter?.toISOString();
    if (facts.confPath === undefined || conf === undefined) plan.waiting.set(facts.name, { kind: "not-due", why: "certbot cannot renew it: its renewal conf is missing or invalid (ngcert status says why)" });
    else if (timing.renewAfter === undefined) plan.waiting.set(facts.name, { kind: "not-due", why: timing.why });
    else if (autorenewOff(conf)) plan.waiting.set(facts.name, { kind: "not-due", why: "autorenew is off in its renewal conf" });
    else if (!timing.due) plan.waiting.set(facts.name, { kind: "not-due", why: `not due until ${at} (${timing.why})` });
    else if (timing.nextAttempt !== undefined && timing.nextAttempt.getTime() > now.getTime()) {
      plan.waiting.set(facts.name, { kind: "backoff", why: `due since ${at}, but not tried again before ${timing.nextAttempt.toISOString()} (${timing.failures} failed attempt${timing.failures === 1 ? "" : "s"}; last error: ${timing.lastError ?? "?"})` });
    } else plan.attempt.push(lineage);
  }
  plan.attempt.sort((a, b) => a.timing.renewAfter!.getTime() - b.timing.renewAfter!.getTime());
  return plan;
}
