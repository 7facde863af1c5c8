// Every lineage with its renewal conf as text and as certbot reads it, for the checks that judge how it renews and
// for rewriting the conf later: what doctor and migrate both start from.
import { readFileSync } from "node:fs";
import { findOrphanLiveDirs, listLetsencryptDir } from "../certbot/list-lineages.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { readLineageFacts } from "../certbot/read-lineage.js";
import { parseRenewalConf, type RenewalConf } from "../certbot/renewal-conf.js";
import { NgcertError } from "../errors.js";

export interface LineageRecord {
  name: string;
  confPath: string | undefined;
  confText: string | undefined;
  conf: RenewalConf | undefined;
  confError: string | undefined;
  /** The names the current certificate covers (what a renewal asks for). */
  domains: string[];
  facts: LineageFacts;
}

export function readLineageRecords(letsencryptDir: string, names: readonly string[]): LineageRecord[] {
  // As certbot finds lineages: every conf, and the live/ directories no conf points into (a renamed lineage keeps its
  // old live/ directory: it is not an orphan).
  const { confs, liveCandidates } = listLetsencryptDir(letsencryptDir);
  const confFacts = confs.map((name) => readLineageFacts(letsencryptDir, name, true));
  const orphans = findOrphanLiveDirs(letsencryptDir, liveCandidates, confFacts.map((facts) => facts.paths));
  const all = [...confFacts, ...orphans.map((name) => readLineageFacts(letsencryptDir, name, false))];
  const unknown = names.filter((name) => !all.some((facts) => facts.name === name));
  if (unknown.length > 0) throw new NgcertError("NOT_FOUND", `no certificate named ${unknown.join(", ")} in ${letsencryptDir}; \`ngcert status\` lists them all`);
  const wanted = names.length === 0 ? all : all.filter((facts) => names.includes(facts.name));
  return wanted.map((facts) => {
    let confText: string | undefined;
    let conf: RenewalConf | undefined;
    let confError: string | undefined;
    if (facts.confPath) {
      try {
        confText = readFileSync(facts.confPath, "utf8");
        conf = parseRenewalConf(confText);
      } catch (error) {
        confError = `${facts.confPath}: ${error instanceof Error ? error.message : String(error)}`;
      }
    } else {
      confError = "no renewal conf";
    }
    return { name: facts.name, confPath: facts.confPath, confText, conf, confError, domains: facts.domains, facts };
  });
}
