// What the watcher says for each thing the door can do to a lineage: an event (or none, for a quiet lineage in a full
// check) and what the metrics say about served-vs-disk.
import { describe, expect, it } from "vitest";
import type { LineageService } from "../../src/deploy/bring-into-service.js";
import { reactToLineage } from "../../src/watch/service-events.js";

const lineage = (status: LineageService["status"], extra: Partial<LineageService> = {}): LineageService => ({ name: "a.example", version: 3, status, domains: ["a.example"], notes: [], ...extra });

describe("reactToLineage", () => {
  it("reports a reload, and a verification only for a lineage that changed", () => {
    expect(reactToLineage(lineage("served"), { status: "reloaded", durationMs: 5 }, true).event).toEqual({ kind: "reloaded", details: { version: 3, domains: ["a.example"] } });
    expect(reactToLineage(lineage("already-served"), { status: "not-needed" }, true)).toEqual({ event: { kind: "verified", details: { version: 3, served: true } }, servedMatches: true, extraProblems: [] });
    expect(reactToLineage(lineage("already-served"), { status: "not-needed" }, false).event).toBeUndefined();
    expect(reactToLineage(lineage("unused"), { status: "not-needed" }, true)).toEqual({ event: { kind: "verified", details: { version: 3, served: "unused" } }, servedMatches: undefined, extraProblems: [] });
  });

  it("defers to the renewal run, and reports a refusal with whether live/ went back", () => {
    expect(reactToLineage(lineage("verified"), { status: "deferred" }, true).event?.kind).toBe("deferred");
    const refused = reactToLineage(lineage("refused", { reason: "KEY_MISMATCH: x", rollback: { rolledBack: false, message: "no earlier version" } }), { status: "not-needed" }, true);
    expect(refused.event).toEqual({ kind: "problem", details: { version: 3, reason: "KEY_MISMATCH: x", refused: true, rolledBack: false, reloaded: false } });
  });

  it("says why a valid version waits: nginx down, or a reload that could not happen", () => {
    const down = reactToLineage(lineage("waiting", { reason: "nginx is not running" }), { status: "nginx-down" }, true);
    expect(down).toEqual({ event: { kind: "problem", details: { version: 3, reason: "nginx is not running: the certificate on disk is not served", waiting: true } }, servedMatches: undefined, extraProblems: [] });
    const blocked = reactToLineage(lineage("waiting", { reason: "nginx -t fails (/etc/nginx/conf.d/x.conf:3: unknown directive)" }), { status: "blocked", reason: "nginx -t fails", failure: undefined }, true);
    expect(blocked.servedMatches).toBe(false);
    expect(blocked.extraProblems).toEqual([{ code: "SERVED_MISMATCH", message: "not served yet: nginx -t fails (/etc/nginx/conf.d/x.conf:3: unknown directive)" }]);
  });
});
