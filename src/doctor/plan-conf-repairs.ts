// The renewal conf repair doctor makes on its own: hooks that only stop, start or restart nginx, in a lineage that
// does not renew with standalone (which would need them), are removed — in certbot's format, the rest untouched.
import { analyzeHook, interruptsNginx } from "../certbot/hook-commands.js";
import { removeRenewalParams } from "../certbot/write-renewal-conf.js";
import type { Finding } from "../checks/finding.js";
import { HOOK_KEYS } from "../checks/lineage-findings.js";
import type { LineageRecord } from "../checks/read-lineages.js";
import { unifiedDiff } from "../text/unified-diff.js";
import type { PlannedFix } from "./plan-repairs.js";

export function planConfRepairs(records: readonly LineageRecord[], findings: Finding[]): PlannedFix[] {
  const fixes: PlannedFix[] = [];
  for (const record of records) {
    const conf = record.conf;
    if (!conf || !record.confPath || record.confText === undefined || conf.authenticator === "standalone") continue;
    // Only hooks that stop or restart nginx and nothing else: a start-only hook pairs with a stop and goes with it.
    const nginxOnly = HOOK_KEYS.filter((key) => typeof conf.params[key] === "string" && analyzeHook(conf.params[key] as string).onlyNginx);
    const stopping = nginxOnly.filter((key) => interruptsNginx(analyzeHook(conf.params[key] as string)));
    if (stopping.length === 0) continue;
    const keys = nginxOnly.filter((key) => analyzeHook(conf.params[key] as string).actions.some((action) => action !== "reload"));
    const edit = removeRenewalParams(record.confText, keys);
    const related = findings.filter((item) => item.code === "HOOK_STOPS_NGINX" && item.lineage === record.name);
    if (!edit.ok) {
      for (const item of related) item.fix = `not automatic (${edit.reason}): remove ${keys.join(", ")} from ${record.confPath}`;
      continue;
    }
    const diff = unifiedDiff(record.confText, edit.text, record.confPath, record.confPath);
    for (const item of related) item.fix = diff;
    fixes.push({ id: `remove-hooks ${record.confPath}`, what: `remove ${keys.join(", ")} (they stop or start nginx) from ${record.name}'s renewal conf`, changes: [{ path: record.confPath, before: record.confText, after: edit.text }], reload: false, prove: [], diff });
  }
  return fixes;
}
