// Which lineages migrate and how their renewal conf changes: from standalone, nginx or a webroot elsewhere to webroot
// on the shared directory, hooks that only stop or start nginx removed. Pure: the conf text comes in, the new one out.
import path from "node:path";
import { analyzeHook, interruptsNginx } from "../certbot/hook-commands.js";
import { switchToWebroot } from "../certbot/write-renewal-conf.js";
import { effectiveWebroots, HOOK_KEYS, nginxOnlyHookKeys } from "../checks/lineage-findings.js";
import type { LineageRecord } from "../checks/read-lineages.js";

export type MigrationPlan =
  | { name: string; kind: "migrate"; record: LineageRecord; confPath: string; before: string; after: string; from: string; removedKeys: string[] }
  | { name: string; kind: "unchanged"; reason: string }
  | { name: string; kind: "skip"; reason: string }
  | { name: string; kind: "refuse"; reason: string };

const MOVABLE = new Set(["standalone", "nginx", "webroot"]);

export function planMigration(record: LineageRecord, webroot: string): MigrationPlan {
  const { name, conf, confPath, confText } = record;
  if (!conf || !confPath || confText === undefined) return { name, kind: "refuse", reason: record.confError ?? "no renewal conf" };
  const authenticator = conf.authenticator ?? "(none)";
  if (!MOVABLE.has(authenticator)) return { name, kind: "skip", reason: `renews with ${authenticator}, which does not go through nginx` };
  if (record.domains.length === 0) return { name, kind: "refuse", reason: `its certificate ${record.facts.paths.cert} cannot be read, so its names are unknown` };
  const wildcards = record.domains.filter((domain) => domain.startsWith("*."));
  if (wildcards.length > 0) return { name, kind: "skip", reason: `${wildcards.join(", ")} cannot be validated over HTTP (wildcards need DNS-01)` };
  const shared = path.resolve(webroot);
  const removedKeys = nginxOnlyHookKeys(conf);
  const onShared = authenticator === "webroot" && [...effectiveWebroots(conf, record.domains).values()].every((dir) => dir !== undefined && path.resolve(dir) === shared) && Object.keys(conf.webrootMap).length > 0;
  if (onShared && removedKeys.length === 0) return { name, kind: "unchanged", reason: `already renews through the shared webroot ${webroot}` };
  // A hook that stops nginx and does something else cannot simply go: a person must split it.
  const tangled = HOOK_KEYS.filter((key) => typeof conf.params[key] === "string" && !removedKeys.includes(key) && interruptsNginx(analyzeHook(conf.params[key] as string)));
  if (tangled.length > 0) {
    return { name, kind: "refuse", reason: `${tangled.map((key) => `${key} = ${conf.params[key] as string}`).join("; ")} stops nginx and does more: edit it by hand so that it no longer stops nginx, then migrate` };
  }
  const edit = switchToWebroot(confText, { webroot, domains: record.domains, removeKeys: removedKeys });
  if (!edit.ok) return { name, kind: "refuse", reason: `${confPath}: ${edit.reason}` };
  const from = authenticator === "webroot" ? `webroot on ${conf.webrootPath.join(", ") || "(none)"}` : authenticator;
  return { name, kind: "migrate", record, confPath, before: confText, after: edit.text, from, removedKeys };
}
