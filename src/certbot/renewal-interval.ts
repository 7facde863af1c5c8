// certbot's `renew_before_expiry` intervals ("30 days", "3 days 12 hours", "2 weeks", a bare "30" meaning days), read
// the way certbot reads them (storage.add_time_interval: parsedatetime, months and years on the calendar) for the
// spellings ngcert understands, and written in a spelling certbot reads back to the second. test/certbot checks both
// against certbot's own add_time_interval.

const SECOND = 1000;
const UNITS: Record<string, { ms?: number; months?: number }> = {
  s: { ms: SECOND },
  sec: { ms: SECOND },
  secs: { ms: SECOND },
  second: { ms: SECOND },
  seconds: { ms: SECOND },
  m: { ms: 60 * SECOND },
  min: { ms: 60 * SECOND },
  mins: { ms: 60 * SECOND },
  minute: { ms: 60 * SECOND },
  minutes: { ms: 60 * SECOND },
  h: { ms: 3600 * SECOND },
  hr: { ms: 3600 * SECOND },
  hour: { ms: 3600 * SECOND },
  hours: { ms: 3600 * SECOND },
  d: { ms: 86_400 * SECOND },
  day: { ms: 86_400 * SECOND },
  days: { ms: 86_400 * SECOND },
  w: { ms: 7 * 86_400 * SECOND },
  wk: { ms: 7 * 86_400 * SECOND },
  week: { ms: 7 * 86_400 * SECOND },
  weeks: { ms: 7 * 86_400 * SECOND },
  mth: { months: 1 },
  month: { months: 1 },
  months: { months: 1 },
  y: { months: 12 },
  yr: { months: 12 },
  year: { months: 12 },
  years: { months: 12 },
};

/** A parsed interval: a fixed part and calendar months, added as parsedatetime adds them. */
export interface RenewalInterval {
  ms: number;
  months: number;
}

/** The interval, or undefined for a spelling ngcert does not read (certbot may read it otherwise, or as nothing). */
export function parseRenewalInterval(text: string): RenewalInterval | undefined {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) return { ms: Number(trimmed) * 86_400 * SECOND, months: 0 };
  const parts = trimmed.split(/(?:\s*,\s*|\s+and\s+|\s+)(?=\d)/);
  const interval: RenewalInterval = { ms: 0, months: 0 };
  for (const part of parts) {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(part.trim());
    const unit = match ? UNITS[match[2]!] : undefined;
    if (!match || !unit) return undefined;
    const amount = Number(match[1]);
    if (unit.months !== undefined) {
      if (!Number.isInteger(amount)) return undefined;
      interval.months += amount * unit.months;
    } else {
      interval.ms += Math.round(amount * unit.ms!);
    }
  }
  return interval;
}

function addMonths(base: Date, months: number): Date {
  if (months === 0) return new Date(base);
  const result = new Date(base);
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, lastDay));
  return result;
}

/** base + interval, as certbot computes `now + renew_before_expiry`. */
export function addRenewalInterval(base: Date, interval: RenewalInterval): Date {
  return new Date(addMonths(base, interval.months).getTime() + interval.ms);
}

/** When certbot starts to find a certificate expiring at `end` due: end minus the interval (months on the calendar). */
export function instantBefore(end: Date, interval: RenewalInterval): Date {
  return new Date(addMonths(end, -interval.months).getTime() - interval.ms);
}

/** "30 days", "21 days 8 hours", "3 days 8 hours 20 minutes": whole seconds, in words certbot reads back exactly. */
export function formatRenewalInterval(ms: number): string {
  let rest = Math.max(0, Math.round(ms / SECOND));
  const parts: string[] = [];
  for (const [size, singular] of [
    [86_400, "day"],
    [3600, "hour"],
    [60, "minute"],
    [1, "second"],
  ] as const) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${singular}${count === 1 ? "" : "s"}`);
  }
  return parts.length === 0 ? "0 seconds" : parts.join(" ");
}
