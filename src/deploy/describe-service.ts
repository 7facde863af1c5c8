// Sentences for what the door did, shared by every command that goes through it.
import type { LineageService, ReloadOutcome, ServiceOutcome } from "./bring-into-service.js";

export function describeLineage(lineage: LineageService): string {
  const label = `${lineage.name}: version ${lineage.version ?? "?"}`;
  const names = lineage.domains.join(", ");
  switch (lineage.status) {
    case "served":
      return `${label} deployed; nginx serves it for ${names}`;
    case "already-served":
      return `${label} already served for ${names}`;
    case "unused":
      return `${label} verified on disk (no nginx site uses it yet)`;
    case "verified":
      return `${label} verified; nginx reloads once for the whole renewal run, in the post hook`;
    case "refused":
      return `${lineage.name}: refused version ${lineage.version ?? "?"}: ${lineage.reason ?? "?"}; ${lineage.rollback?.message ?? "nothing rolled back"}`;
    case "waiting":
      return `${label} is valid and stays in live/, but is not served yet: ${lineage.reason ?? "?"}; the next reload (post hook, ngcert watch, ngcert renew, ngcert reload) brings it into service`;
    case "not-served":
      return `${label} is ${lineage.reason ?? "not served after the reload"}`;
  }
}

export function describeReload(reload: ReloadOutcome): string | undefined {
  switch (reload.status) {
    case "reloaded":
      return `nginx reloaded (confirmed in ${reload.durationMs} ms)`;
    case "not-needed":
    case "deferred":
      return undefined;
    case "nginx-down":
      return "nginx is not running: nothing is served; start nginx";
    case "blocked":
      return `nginx was not reloaded: ${reload.reason}`;
    case "failed":
      return reload.reason;
  }
}

/** Anything a person must act on: a refused or unserved version, a reload that did not happen when one was due. */
export function isFailure(outcome: ServiceOutcome): boolean {
  if (outcome.lineages.some((lineage) => lineage.status === "refused" || lineage.status === "waiting" || lineage.status === "not-served")) return true;
  return outcome.reload.status === "blocked" || outcome.reload.status === "failed" || outcome.reload.status === "nginx-down";
}
