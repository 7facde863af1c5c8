// What `certbot renew` says failed: its summary lists each lineage it could not renew by fullchain path, followed by
// "(failure)" (certbot/_internal/renewal.py, _renew_describe_results). The only thing ngcert reads from its prose.

export function parseRenewFailures(output: string): string[] {
  return [...output.matchAll(/^\s*(\/\S+\/fullchain\.pem) \(failure\)\s*$/gm)].map((match) => match[1]!);
}

/** certbot's own lines that never say why. */
const BOILERPLATE = /^(Saving debug log to|Ask for help or search|See the logfile|Processing |- - -|Renewing an existing certificate|Simulating renewal|Account registered|Requesting a certificate|All renewals failed|All simulated renewals failed|The following (simulated )?renewals? failed|The following certificates could not be renewed|\d+ renew failure|.*\((failure|success|skipped)\)\s*$)/;

/**
 * Why certbot could not renew a lineage, on one line: the CA's Domain / Type / Detail for its names, else certbot's
 * "Failed to renew certificate NAME with error: ..." (a CA that cannot be reached, an account it does not know),
 * else what is left of its output once its boilerplate is gone. Without a lineage: every reason in the output.
 */
export function renewFailureReason(output: string, lineage?: { name: string; domains: readonly string[] }): string {
  const ca = [...output.matchAll(/^\s*Domain:\s*(.+)\n\s*Type:\s*(.+)\n\s*Detail:\s*(.+)$/gm)]
    .filter((match) => lineage === undefined || lineage.domains.includes(match[1]!.trim()))
    .map((match) => `${match[1]!.trim()}: ${match[2]!.trim()}: ${match[3]!.trim()}`);
  if (ca.length > 0) return ca.join("; ");
  const failed = [...output.matchAll(/^Failed to renew certificate (\S+) with error: (.+)$/gm)].filter((match) => lineage === undefined || match[1] === lineage.name).map((match) => match[2]!.trim());
  if (failed.length > 0) return failed.join("; ");
  const lines = output.split("\n").map((line) => line.trim()).filter((line) => line !== "" && !BOILERPLATE.test(line));
  return lines.slice(-3).join("; ") || "certbot failed without saying why";
}
