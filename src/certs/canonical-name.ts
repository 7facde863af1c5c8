// One form per name for comparing names from certificates, certbot (RENEWED_DOMAINS), nginx and people: IP addresses
// in canonical text (RFC 5952 for IPv6), DNS names lower-cased without a trailing dot and in punycode, as certbot
// and nginx match them.
import { domainToASCII } from "node:url";
import { formatIpAddress, parseIpAddress } from "./ip-address.js";

export function canonicalName(name: string): string {
  const trimmed = name.trim();
  const ip = parseIpAddress(trimmed.startsWith("[") && trimmed.endsWith("]") ? trimmed.slice(1, -1) : trimmed);
  if (ip) return formatIpAddress(ip);
  let dns = trimmed.toLowerCase();
  if (dns.endsWith(".")) dns = dns.slice(0, -1);
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(dns)) return dns;
  const wildcard = dns.startsWith("*.");
  const ascii = domainToASCII(wildcard ? dns.slice(2) : dns);
  if (ascii === "") return dns;
  return wildcard ? `*.${ascii}` : ascii;
}

/** Names in `wanted` that `have` does not hold, compared canonically; returned as given. */
export function missingNames(wanted: readonly string[], have: readonly string[]): string[] {
  const held = new Set(have.map(canonicalName));
  return wanted.filter((name) => !held.has(canonicalName(name)));
}
