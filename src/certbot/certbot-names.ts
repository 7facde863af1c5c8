// The names of a certificate as certbot lists them (RenewableCert.names(): the subject CN first, then the SAN DNS
// names that differ from it; certbot 5 adds the SAN IP addresses after them), and certbot's domain check
// (util.enforce_domain_sanity), which `certbot renew` applies to every one of those names before it renews.
import type { CertificateInfo } from "../certs/certificate-info.js";
import { canonicalName } from "../certs/canonical-name.js";
import { parseIpAddress } from "../certs/ip-address.js";

/** CN first, then the other SAN DNS names, then the SAN IP addresses (canonical text). */
export function certbotNames(cert: Pick<CertificateInfo, "commonName" | "dnsNames" | "ipAddresses">): string[] {
  const names = cert.commonName === undefined ? [] : [cert.commonName];
  for (const name of cert.dnsNames) if (name !== cert.commonName) names.push(name);
  const commonIp = cert.commonName === undefined ? undefined : canonicalName(cert.commonName);
  for (const ip of cert.ipAddresses) if (ip !== commonIp) names.push(ip);
  return names;
}

/** The DNS names certbot 2.x checks before renewing (it does not know IP address SANs). */
export function certbotDomainNames(cert: Pick<CertificateInfo, "commonName" | "dnsNames">): string[] {
  const names = cert.commonName === undefined ? [] : [cert.commonName];
  for (const name of cert.dnsNames) if (name !== cert.commonName) names.push(name);
  return names;
}

/** certbot's reason for refusing `domain` as a name to renew for, or undefined when it accepts it. */
export function domainSanityProblem(domain: string): string | undefined {
  // eslint-disable-next-line no-control-regex
  if (!/^[\x00-\x7f]*$/.test(domain)) return "Non-ASCII domain names not supported. To issue for an Internationalized Domain Name, use Punycode.";
  let name = domain.toLowerCase();
  if (name.endsWith(".")) name = name.slice(0, -1);
  for (const scheme of ["http", "https"]) {
    if (name.startsWith(`${scheme}://`)) return `Requested name ${name} appears to be a URL, not a FQDN. Try again without the leading "${scheme}://".`;
  }
  if (parseIpAddress(name)) return `Requested name ${name} is an IP address. The Let's Encrypt certificate authority will not issue certificates for a bare IP address.`;
  const prefix = `Requested domain ${name} is not a FQDN because`;
  if (name.length > 255) return `${prefix} it is too long.`;
  for (const label of name.split(".")) {
    if (label === "") return `${prefix} it contains an empty label.`;
    if (label.length > 63) return `${prefix} label ${label} is too long.`;
  }
  return undefined;
}
