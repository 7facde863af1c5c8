// The least any truthful warm `status` does on the bench's tree: start node, list the renewal confs, stat the conf and
// the four live/ files of every lineage (what a cached verdict rests on), parse the cache file, print each lineage's
// name, domains and expiry (less than status prints). No checks, no dates, no certificate: a lower bound for the warm
// run on this machine, not a status.
import { readdirSync, readFileSync, statSync, writeSync } from "node:fs";

const [letsencryptDir, cacheFile] = process.argv.slice(2);
const cache = JSON.parse(readFileSync(cacheFile, "latin1"));
const out = [];
for (const conf of readdirSync(`${letsencryptDir}/renewal`)) {
  if (!conf.endsWith(".conf")) continue;
  const name = conf.slice(0, -".conf".length);
  statSync(`${letsencryptDir}/renewal/${conf}`);
  for (const kind of ["cert", "chain", "fullchain", "privkey"]) statSync(`${letsencryptDir}/live/${name}/${kind}.pem`);
  const facts = cache.entries[name]?.facts;
  out.push(facts === undefined ? null : { name: facts.name, domains: facts.domains, notAfter: facts.notAfter });
}
writeSync(1, JSON.stringify(out, null, 2));
