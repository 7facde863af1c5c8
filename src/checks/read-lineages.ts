// Every lineage with its renewal conf as text and as certbot reads it, for the checks that judge how it renews and
// for rewriting the conf later: what doctor and migrate both start from.
import { FileKindError, readRegularFile } from "../fs/read-regular-file.js";
import { compareCodePoints } from "../certbot/list-lineages.js";
import type { LineageFacts } from "../certbot/lineage.js";
import { decodeConf, parseRenewalConf, type RenewalConf } from "../certbot/renewal-conf.js";
import { collectFacts } from "../status/collect-status.js";

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

export interface RecordsOptions {
  letsencryptDir: string;
  /** The lineages wanted; empty: all of them. */
  names: readonly string[];
  /** The status command's facts cache (unchanged lineages are not read again); undefined: none. */
  cacheDir?: string | undefined;
  /** See Context.workerScript: at hosting scale the lineages are read on every core. */
  workerScript?: string | undefined;
  /** Told why the cache was not used. */
  warn?: (message: string) => void;
}

export async function readLineageRecords(options: RecordsOptions): Promise<LineageRecord[]> {
  // As certbot finds lineages (every conf, and the live/ directories no conf points into: a renamed lineage keeps its
  // old live/ directory, it is not an orphan), through the same reader and cache as `ngcert status`.
  // In certbot's order (renewal/*.conf sorted as file names, then the orphan live/ directories), as before: it decides
  // which fix doctor --fix applies first and which finding a shared diff is shown with. status sorts by bare name.
  const byFile = (a: LineageFacts, b: LineageFacts): number => compareCodePoints(`${a.name}.conf`, `${b.name}.conf`);
  const all = await collectFacts(options);
  const wanted = [...all.filter((facts) => facts.confPath !== undefined).sort(byFile), ...all.filter((facts) => facts.confPath === undefined).sort(byFile)];
  return wanted.map((facts) => {
    let confText: string | undefined;
    let conf: RenewalConf | undefined;
    let confError: string | undefined;
    if (facts.confPath) {
      try {
        const { text, input } = decodeConf(readRegularFile(facts.confPath));
        confText = text;
        conf = parseRenewalConf(input);
      } catch (error) {
        confError = `${facts.confPath}: ${error instanceof FileKindError ? `it is ${error.what}` : error instanceof Error ? error.message : String(error)}`;
      }
    } else {
      confError = "no renewal conf";
    }
    return { name: facts.name, confPath: facts.confPath, confText, conf, confError, domains: facts.domains, facts };
  });
}
