// What ngcert's hooks did during an `ngcert renew`: renew hands certbot a report file (NGCERT_RUN_REPORT, inside the
// state dir), each hook appends one JSON line with its typed outcome, and renew reads them back. The summary is then
// built from what really happened, not from certbot's or the hooks' prose.
import { appendFileSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { ensureStateDir, stateDirPath } from "../fs/state-dir.js";
import type { LineageService, ReloadOutcome } from "./bring-into-service.js";

export const RUN_REPORT_ENV = "NGCERT_RUN_REPORT";

export interface HookReport {
  hook: "pre" | "deploy" | "post";
  lineages: Pick<LineageService, "name" | "version" | "status" | "reason" | "domains">[];
  reload?: ReloadOutcome;
  problems?: string[];
}

export function createRunReport(letsencryptDir: string): string {
  const dir = path.join(ensureStateDir(letsencryptDir), "runs");
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return path.join(dir, `${randomBytes(8).toString("hex")}.jsonl`);
}

/** Appends a hook's outcome when this run was started by `ngcert renew` (and only into ngcert's own state dir). */
export function appendRunReport(letsencryptDir: string, env: Record<string, string | undefined>, report: HookReport): void {
  const file = env[RUN_REPORT_ENV];
  if (file === undefined || path.dirname(path.resolve(file)) !== path.join(stateDirPath(letsencryptDir), "runs")) return;
  try {
    appendFileSync(file, `${JSON.stringify(report)}\n`, { mode: 0o600 });
  } catch {
    // The report is for the summary; the hook's own result stands.
  }
}

export function readRunReport(file: string): HookReport[] {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const reports: HookReport[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      reports.push(JSON.parse(line) as HookReport);
    } catch {
      // A line a killed hook could not finish.
    }
  }
  return reports;
}

export function removeRunReport(file: string): void {
  rmSync(file, { force: true });
}
