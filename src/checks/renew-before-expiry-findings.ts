// An owner's renew_before_expiry that renews too late or too often for the certificate it applies to. ngcert never
// changes an owner's value (certbot/renew-before-expiry.ts); it says what it costs: renewal only once a sixth of the
// lifetime is left (no room to retry before the certificate is EXPIRING), none before expiry, a renewal with more
// than half the lifetime left (more orders at the CA than the lifetime window), or on every run of certbot's timer.
import type { LineageFacts } from "../certbot/lineage.js";
import { instantBefore, parseRenewalInterval } from "../certbot/renewal-interval.js";
import { describeLifetime, lifetimeWindow } from "../timing/lifetime-window.js";
import { finding, type Finding } from "./finding.js";

const DAY_MS = 86_400_000;

function days(ms: number): string {
  const [value, unit] = ms >= DAY_MS ? [Math.round((ms / DAY_MS) * 10) / 10, "day"] : [Math.round((ms / 3_600_000) * 10) / 10, "hour"];
  return `${value} ${unit}${value === 1 ? "" : "s"}`;
}

export function checkRenewBeforeExpiry(facts: LineageFacts): Finding[] {
  const own = facts.renewBeforeExpiry;
  if (own === undefined || own.byNgcert || facts.notBefore === undefined || facts.notAfter === undefined) return [];
  const notAfter = new Date(facts.notAfter);
  const window = lifetimeWindow(new Date(facts.notBefore), notAfter);
  const lifetime = `its ${describeLifetime(window.lifetimeMs)} certificate`;
  const at = { lineage: facts.name, file: facts.confPath ?? null, line: own.line };
  const fix = `remove the renew_before_expiry line from ${facts.confPath ?? "the renewal conf"} (ngcert then keeps it at ${window.confValue}, ${window.why.replace(/ left$/, "")}), or set a value between ${days(window.lifetimeMs / 6)} and ${days(window.lifetimeMs / 2)}`;
  const interval = own.isList ? undefined : parseRenewalInterval(own.value);
  if (interval === undefined) {
    return [finding("RENEW_BEFORE_EXPIRY_INVALID", "error", `${facts.name}: renew_before_expiry = ${own.value} is not an interval certbot can use (write it like \`30 days\` or \`3 days 12 hours\`, no commas): certbot reads it as no time at all and renews only once ${lifetime} has expired, or fails`, { ...at, fix })];
  }
  const left = notAfter.getTime() - instantBefore(notAfter, interval).getTime();
  if (left <= 0) {
    return [finding("RENEW_BEFORE_EXPIRY_LATE", "error", `${facts.name}: renew_before_expiry = ${own.value}: certbot renews only once ${lifetime} has expired`, { ...at, fix })];
  }
  if (left < window.lifetimeMs / 6) {
    return [finding("RENEW_BEFORE_EXPIRY_LATE", "warning", `${facts.name}: renew_before_expiry = ${own.value}: certbot first tries with ${days(left)} of ${lifetime} left, already less than the sixth at which status reports it EXPIRING, which leaves little time to retry a failed renewal`, { ...at, fix })];
  }
  if (left >= window.lifetimeMs) {
    return [finding("RENEW_BEFORE_EXPIRY_OFTEN", "error", `${facts.name}: renew_before_expiry = ${own.value} is longer than ${lifetime} lives: certbot renews it on every run of its timer, until the CA's duplicate-certificate limit (5 a week at Let's Encrypt) refuses`, { ...at, fix })];
  }
  if (left > window.lifetimeMs / 2) {
    return [finding("RENEW_BEFORE_EXPIRY_OFTEN", "warning", `${facts.name}: renew_before_expiry = ${own.value}: certbot renews ${lifetime} after only ${days(window.lifetimeMs - left)}, with more than half of its lifetime left (the lifetime window renews after ${days(window.lifetimeMs - window.beforeExpiryMs)})`, { ...at, fix })];
  }
  return [];
}
