// Which lineage a live directory belongs to, as certbot knows it: certbot hands hooks RENEWED_LINEAGE = the directory of
// the conf's `cert` path, which is live/<name> for most lineages but anywhere a conf points (a renamed lineage keeps
// its old live/ directory, a hand-written conf may use another place).
import { statSync } from "node:fs";
import { readRegularFile } from "../fs/read-regular-file.js";
import path from "node:path";
import { listLetsencryptDir } from "./list-lineages.js";
import { resolveConfPath } from "./live-links.js";
import { renewalConfPath } from "./read-lineage.js";
import { readRenewalConf } from "./renewal-conf.js";

/** The name of the lineage whose conf's cert lies in `dir`, or undefined when no renewal conf points there. */
export function findLineageByLiveDir(letsencryptDir: string, dir: string): string | undefined {
  const wanted = path.resolve(dir);
  const { confs } = listLetsencryptDir(letsencryptDir);
  // Most lineages live in live/<name>: try the conf of that name first.
  const likely = path.basename(wanted);
  const order = confs.includes(likely) ? [likely, ...confs.filter((name) => name !== likely)] : confs;
  let wantedId: string | undefined | null = null;
  for (const name of order) {
    const liveDir = confLiveDir(letsencryptDir, name);
    if (liveDir === undefined) continue;
    if (liveDir === wanted) return name;
    // The same directory reached another way (a symlinked letsencrypt dir): compare the directories themselves.
    if (wantedId === null) wantedId = identity(wanted);
    if (wantedId !== undefined && identity(liveDir) === wantedId) return name;
  }
  return undefined;
}

/** certbot's live_dir of a lineage: the directory of its conf's `cert`. */
function confLiveDir(letsencryptDir: string, name: string): string | undefined {
  try {
    const conf = readRenewalConf(readRegularFile(renewalConfPath(letsencryptDir, name)));
    return conf.files ? path.dirname(resolveConfPath(conf.files.cert)) : undefined;
  } catch {
    return undefined;
  }
}

function identity(dir: string): string | undefined {
  try {
    const stat = statSync(dir);
    return `${stat.dev}:${stat.ino}`;
  } catch {
    return undefined;
  }
}
