// Reads one lineage together with the stamp of the files it was read from (taken before reading, see facts-cache.ts).
import type { LineageEntry } from "../certbot/list-lineages.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { readLineageFacts, renewalConfPath } from "../certbot/read-lineage.js";
import { stampFile, stampPaths } from "./facts-cache.js";

export interface StampedFacts {
  stamp: string;
  facts: LineageFacts;
}

export function confStampOf(letsencryptDir: string, entry: LineageEntry): string {
  return entry.hasConf ? stampFile(renewalConfPath(letsencryptDir, entry.name)) : "-";
}

export function readStamped(letsencryptDir: string, entry: LineageEntry): StampedFacts {
  const confStamp = confStampOf(letsencryptDir, entry);
  let stamp = "";
  const facts = readLineageFacts(letsencryptDir, entry.name, entry.hasConf, (paths) => {
    stamp = `${confStamp}|${stampPaths(paths)}`;
  });
  return { stamp, facts };
}
