// certbot's autorenew switch, set in a node's renewal confs: on for the lineages this node is about to renew as the
// issuer, off everywhere else, so certbot's own timer on a node that is not the issuer finds nothing to order.
import { readFileSync } from "node:fs";
import { renewalConfPath } from "../certbot/read-lineage.js";
import { listLineages } from "../certbot/list-lineages.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import { setAutorenew } from "./rebase-renewal-conf.js";

/** Sets the switch in each named lineage's renewal conf (all when `names` is undefined); the names it changed. */
export function switchAutorenew(letsencryptDir: string, enabled: boolean, names?: readonly string[]): string[] {
  const changed: string[] = [];
  const wanted = names ?? listLineages(letsencryptDir).filter((entry) => entry.hasConf).map((entry) => entry.name);
  for (const name of wanted) {
    const file = renewalConfPath(letsencryptDir, name);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    const next = setAutorenew(text, enabled);
    if (next === undefined || next === text) continue;
    writeFileAtomic(file, next, 0o644);
    faultStep(`autorenew ${enabled ? "on" : "off"}`);
    changed.push(name);
  }
  return changed;
}
