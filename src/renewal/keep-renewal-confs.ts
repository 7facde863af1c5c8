// Keeps each lineage's renewal conf in step with its certificate: renew_before_expiry set to the lifetime window
// (timing/lifetime-window.ts), with ngcert's owned comment above it, so certbot's own timer renews when ngcert would
// (a 6-day certificate is no longer renewed on every run by certbot 2.1's 30-day default). A value the owner wrote
// is never touched; doctor reports it when it renews too late or too often. Run after every issuance and renewal (the
// deploy hook), and by `ngcert renew` and the watcher for lineages issued or renewed without ngcert.
import { lstatSync, readFileSync, realpathSync } from "node:fs";
import type { LineageFacts } from "../certbot/lineage.js";
import { readRenewBeforeExpiry, renderOwnedComment } from "../certbot/renew-before-expiry.js";
import { setRenewBeforeExpiry } from "../certbot/write-renewal-conf.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { lifetimeWindow } from "../timing/lifetime-window.js";

export interface ConfChange {
  name: string;
  file: string;
  previous: string | undefined;
  value: string;
  why: string;
}

export interface ConfSync {
  changed: ConfChange[];
  /** Lineages whose conf could not be brought in step, and why (reported; never stops a renewal). */
  failed: { name: string; reason: string }[];
}

/** The conf change a lineage needs, or undefined when its conf is in step, the owner's, or unusable. */
export function planConfValue(facts: LineageFacts): { value: string; why: string } | undefined {
  if (facts.confPath === undefined || facts.notBefore === undefined || facts.notAfter === undefined) return undefined;
  if (facts.fileProblems.some((problem) => problem.code === "RENEWAL_CONF_INVALID")) return undefined;
  const own = facts.renewBeforeExpiry;
  if (own !== undefined && !own.byNgcert) return undefined;
  const window = lifetimeWindow(new Date(facts.notBefore), new Date(facts.notAfter));
  if (own?.value === window.confValue) return undefined;
  return { value: window.confValue, why: window.why.replace(/ left$/, "") };
}

/** Writes what planConfValue asks for; updates each changed lineage's facts in place. */
export function keepRenewalConfs(all: readonly LineageFacts[]): ConfSync {
  const result: ConfSync = { changed: [], failed: [] };
  for (const facts of all) {
    const plan = planConfValue(facts);
    if (!plan) continue;
    const confPath = facts.confPath!;
    try {
      // Written where certbot writes it: through a symlinked conf to its target, never replacing the link.
      const file = lstatSync(confPath).isSymbolicLink() ? realpathSync(confPath) : confPath;
      const text = readFileSync(file, "utf8");
      // Read again, not from a cached fact: the owner may have written a value since.
      const current = readRenewBeforeExpiry(text);
      if (current !== undefined && !current.byNgcert) continue;
      const edit = setRenewBeforeExpiry(text, plan.value, renderOwnedComment(plan.value, plan.why));
      if (!edit.ok) {
        result.failed.push({ name: facts.name, reason: edit.reason });
        continue;
      }
      writeFileAtomic(file, edit.text, lstatSync(file).mode & 0o7777);
      faultStep("renewal conf written");
      facts.renewBeforeExpiry = readRenewBeforeExpiry(edit.text);
      result.changed.push({ name: facts.name, file, previous: current?.value, value: plan.value, why: plan.why });
    } catch (error) {
      result.failed.push({ name: facts.name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return result;
}
