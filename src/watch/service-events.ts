// Turns what the door did for a lineage into the watcher's event and metrics: pure, so every outcome is tested in
// microseconds.
import type { Problem } from "../certbot/problem.js";
import type { LineageService, ReloadOutcome } from "../deploy/bring-into-service.js";
import { describeReload } from "../deploy/describe-service.js";
import type { WatchEventKind } from "./watch-event.js";

export interface LineageReaction {
  /** The event to emit, if any (a quiet lineage in a full check emits none). */
  event: { kind: WatchEventKind; details: Record<string, unknown> } | undefined;
  /** Does nginx serve what is on disk? undefined: not asked (unused, nginx down). */
  servedMatches: boolean | undefined;
  extraProblems: Problem[];
}

export function reactToLineage(lineage: LineageService, reload: ReloadOutcome, changed: boolean): LineageReaction {
  const version = lineage.version;
  switch (lineage.status) {
    case "served":
      return { event: { kind: "reloaded", details: { version, domains: lineage.domains } }, servedMatches: true, extraProblems: [] };
    case "already-served":
      return { event: changed ? { kind: "verified", details: { version, served: true } } : undefined, servedMatches: true, extraProblems: [] };
    case "unused":
      return { event: changed ? { kind: "verified", details: { version, served: "unused" } } : undefined, servedMatches: undefined, extraProblems: [] };
    case "verified":
      return { event: { kind: "deferred", details: { version, reason: "a certbot renewal run is in progress: its post hook reloads nginx once for all" } }, servedMatches: false, extraProblems: [] };
    case "refused":
      return {
        event: { kind: "problem", details: { version, reason: lineage.reason, refused: true, rolledBack: lineage.rollback?.rolledBack === true, reloaded: false } },
        servedMatches: undefined,
        extraProblems: [],
      };
    case "waiting": {
      const reason = reload.status === "nginx-down" ? "nginx is not running: the certificate on disk is not served" : `not served yet: ${lineage.reason ?? describeReload(reload) ?? ""}`;
      return { event: { kind: "problem", details: { version, reason, waiting: true } }, servedMatches: reload.status === "nginx-down" ? undefined : false, extraProblems: reload.status === "nginx-down" ? [] : [{ code: "SERVED_MISMATCH", message: reason }] };
    }
    case "not-served":
      return { event: { kind: "problem", details: { version, reason: lineage.reason } }, servedMatches: false, extraProblems: [{ code: "NOT_SERVED", message: lineage.reason ?? "not served" }] };
  }
}
