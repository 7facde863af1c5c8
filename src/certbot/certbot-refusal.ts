// Whether `certbot renew` would renew a lineage, and if not, certbot's first reason, checked in certbot's order: the
// conf as RenewableCert loads it, the live/ links, the renewal parameters, the certificate's names, the archive
// versions (ensure_deployed), whether it is due. One reason, as certbot gives one.
import type { CertificateInfo } from "../certs/certificate-info.js";
import { certbotDomainNames, domainSanityProblem } from "./certbot-names.js";
import { checkLinksForLoad, checkLinksForRenewal, defaultArchiveDir, resolveConfPath, type LiveLink } from "./live-links.js";
import type { RenewalConf } from "./renewal-conf.js";

export /** certbot's first reason to skip the lineage, in the order certbot checks: conf, links, renewal params, names, versions. */
function certbotRefusal(
  loaded: { conf: RenewalConf } | { refusal: string },
  links: LiveLink[],
  cert: CertificateInfo | undefined,
  certPath: string,
  letsencryptDir: string,
  name: string,
): string | undefined {
  if ("refusal" in loaded) return loaded.refusal;
  const { conf } = loaded;
  const early = conf.loadRefusal ?? checkLinksForLoad(links) ?? conf.renewRefusal;
  if (early) return early;
  if (!cert) return `it cannot read the certificate's names from ${certPath}`;
  for (const domain of certbotDomainNames(cert)) {
    const problem = domainSanityProblem(domain);
    if (problem) return `it references a certificate that contains an invalid domain name (${JSON.stringify(domain)}): ${problem}`;
  }
  const archiveDir = conf.archiveDir === undefined ? defaultArchiveDir(letsencryptDir, name) : resolveConfPath(conf.archiveDir);
  return checkLinksForRenewal(links, archiveDir) ?? conf.dueRefusal;
}

