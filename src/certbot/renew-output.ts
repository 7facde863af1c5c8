// What `certbot renew` says failed: its summary lists each lineage it could not renew by fullchain path, followed by
// "(failure)" (certbot/_internal/renewal.py, _renew_describe_results). The only thing ngcert reads from its prose.

export function parseRenewFailures(output: string): string[] {
  return [...output.matchAll(/^\s*(\/\S+\/fullchain\.pem) \(failure\)\s*$/gm)].map((match) => match[1]!);
}
