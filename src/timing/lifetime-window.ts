// The renewal time a certificate's own lifetime implies, as certbot 4.0 and later compute it by default: when a third
// of the lifetime is left, or half when it lives under 10 days (certbot/_internal/renewal.py _default_renewal_time).
// Rounded to whole seconds, so the renew_before_expiry ngcert writes and the time ngcert renews at are the same.
import { formatRenewalInterval } from "../certbot/renewal-interval.js";

const DAY_MS = 86_400_000;
export const SHORT_LIFETIME_MS = 10 * DAY_MS;

export interface LifetimeWindow {
  lifetimeMs: number;
  /** How long before expiry to renew, in whole seconds. */
  beforeExpiryMs: number;
  fraction: "third" | "half";
  /** notAfter minus beforeExpiryMs. */
  renewAfter: Date;
  /** The renew_before_expiry value that makes certbot agree. */
  confValue: string;
  /** Why, in words: "a third of its 90-day lifetime". */
  why: string;
}

export function describeLifetime(lifetimeMs: number): string {
  const days = lifetimeMs / DAY_MS;
  if (Math.abs(days - Math.round(days)) < 0.01 && days >= 1) return `${Math.round(days)}-day`;
  const hours = lifetimeMs / 3_600_000;
  return Math.abs(hours - Math.round(hours)) < 0.01 && hours >= 1 ? `${Math.round(hours)}-hour` : `${Math.round(lifetimeMs / 1000)}-second`;
}

export function lifetimeWindow(notBefore: Date, notAfter: Date): LifetimeWindow {
  const lifetimeMs = Math.max(0, notAfter.getTime() - notBefore.getTime());
  const fraction = lifetimeMs < SHORT_LIFETIME_MS ? "half" : "third";
  const beforeExpiryMs = Math.round(lifetimeMs / (fraction === "half" ? 2 : 3) / 1000) * 1000;
  return {
    lifetimeMs,
    beforeExpiryMs,
    fraction,
    renewAfter: new Date(notAfter.getTime() - beforeExpiryMs),
    confValue: formatRenewalInterval(beforeExpiryMs),
    why: `${fraction === "half" ? "half" : "a third"} of its ${describeLifetime(lifetimeMs)} lifetime left`,
  };
}
