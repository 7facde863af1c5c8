// Who runs renewals: certbot's systemd timer and cron lines. Two active schedulers renew twice (hooks twice, and
// the second run fails on certbot's lock); a cron line guarded by `! -d /run/systemd/system` (Debian's) only runs
// where systemd does not.
import { finding, type Finding } from "./finding.js";

export interface SchedulerSource {
  /** "certbot.timer", or a crontab file. */
  where: string;
  line: number | null;
  text: string;
  active: boolean;
}

const RENEW_LINE = /\b(certbot|certbot-auto|letsencrypt|ngcert)\b.*\brenew\b/;
const SYSTEMD_GUARD = /!\s*-d\s+\/run\/systemd\/system/;

/** The lines of a crontab (or cron script) that renew certificates. */
export function readCronRenewals(file: string, text: string, systemdRunning: boolean): SchedulerSource[] {
  const sources: SchedulerSource[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || !RENEW_LINE.test(line)) return;
    sources.push({ where: file, line: index + 1, text: line, active: !(SYSTEMD_GUARD.test(line) && systemdRunning) });
  });
  return sources;
}

export function checkSchedulers(sources: readonly SchedulerSource[]): Finding[] {
  const active = sources.filter((source) => source.active);
  if (active.length < 2) return [];
  const [first, ...others] = active;
  const describe = (source: SchedulerSource): string => (source.line === null ? source.where : `${source.where}:${source.line}`);
  return others.map((source) =>
    finding("SCHEDULER_DUPLICATE", "warning", `renewals are scheduled twice: ${describe(first!)} and ${describe(source)} (\`${source.text}\`); the runs overlap, and one fails on certbot's lock or runs every hook again`, {
      file: source.where,
      line: source.line,
      fix: source.line === null ? `disable ${source.where} (systemctl disable --now ${source.where})` : `remove line ${source.line} of ${source.where}: ${describe(first!)} already renews`,
    }),
  );
}
