// node_exporter textfile format for what the watcher knows, metric names ngcert_*, label `name`.
import type { Problem } from "../certbot/problem.js";

export interface LineageMetrics {
  notAfter: string | undefined;
  daysLeft: number | undefined;
  /** undefined: not checked (no nginx site uses it, or nginx is down). */
  servedMatches: boolean | undefined;
  problems: Problem[];
  /** When it is due for renewal (timing/renewal-timing.ts), and how many renewals in a row failed. */
  renewAfter?: string | undefined;
  renewalFailures?: number;
}

export interface WatchMetrics {
  lineages: ReadonlyMap<string, LineageMetrics>;
  lastCheck: Date | undefined;
  lastReload: { time: Date; success: boolean } | undefined;
}

function label(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

export function renderMetrics(metrics: WatchMetrics): string {
  const names = [...metrics.lineages.keys()].sort();
  const out: string[] = [];
  const family = (name: string, help: string, rows: string[]): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`, ...rows);
  };
  const perLineage = (pick: (lineage: LineageMetrics) => number | undefined): string[] =>
    names.flatMap((name) => {
      const value = pick(metrics.lineages.get(name)!);
      return value === undefined ? [] : [`{name="${label(name)}"} ${value}`];
    });
  family("ngcert_certificate_not_after_seconds", "Expiry of the certificate live/ points at, in seconds since the epoch.", perLineage((l) => (l.notAfter ? Date.parse(l.notAfter) / 1000 : undefined)).map((row) => `ngcert_certificate_not_after_seconds${row}`));
  family("ngcert_certificate_days_left", "Whole days until the certificate expires.", perLineage((l) => l.daysLeft).map((row) => `ngcert_certificate_days_left${row}`));
  family("ngcert_certificate_served_matches_disk", "1 when nginx serves the certificate on disk for every name, 0 when not.", perLineage((l) => (l.servedMatches === undefined ? undefined : l.servedMatches ? 1 : 0)).map((row) => `ngcert_certificate_served_matches_disk${row}`));
  family("ngcert_certificate_renew_after_seconds", "When the certificate is due for renewal (the CA's window, its lifetime or renew_before_expiry), in seconds since the epoch.", perLineage((l) => (l.renewAfter ? Date.parse(l.renewAfter) / 1000 : undefined)).map((row) => `ngcert_certificate_renew_after_seconds${row}`));
  family("ngcert_certificate_renewal_failures", "Renewals of the certificate that failed in a row (0 once one succeeds).", perLineage((l) => (l.notAfter === undefined ? undefined : (l.renewalFailures ?? 0))).map((row) => `ngcert_certificate_renewal_failures${row}`));
  const problemRows: string[] = [];
  for (const name of names) {
    const counts = new Map<string, number>();
    for (const problem of metrics.lineages.get(name)!.problems) counts.set(problem.code, (counts.get(problem.code) ?? 0) + 1);
    for (const [code, count] of [...counts].sort()) problemRows.push(`ngcert_certificate_problems{name="${label(name)}",code="${code}"} ${count}`);
  }
  family("ngcert_certificate_problems", "Problems found with the certificate, by problem code.", problemRows);
  family("ngcert_certificates", "Certificates the watcher knows.", [`ngcert_certificates ${names.length}`]);
  if (metrics.lastCheck) family("ngcert_last_check_timestamp_seconds", "When the watcher last checked.", [`ngcert_last_check_timestamp_seconds ${Math.floor(metrics.lastCheck.getTime() / 1000)}`]);
  if (metrics.lastReload) {
    family("ngcert_last_reload_timestamp_seconds", "When the watcher last reloaded nginx.", [`ngcert_last_reload_timestamp_seconds ${Math.floor(metrics.lastReload.time.getTime() / 1000)}`]);
    family("ngcert_last_reload_success", "1 when the watcher's last reload was followed by nginx serving the new certificate.", [`ngcert_last_reload_success ${metrics.lastReload.success ? 1 : 0}`]);
  }
  return `${out.join("\n")}\n`;
}
