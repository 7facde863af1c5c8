// What each generated lineage looks like (names, key type, dates, authenticator), decided up front and reproducibly so
// the bench knows what ngcert and certbot should report.
import type { KeyAlgorithm } from "../test/helpers/pki.js";

const DAY = 86_400_000;

export interface PlannedLineage {
  name: string;
  domains: string[];
  algorithm: Extract<KeyAlgorithm, "ecdsa-p256" | "rsa-2048">;
  authenticator: "webroot" | "standalone";
  notBefore: Date;
  notAfter: Date;
  /** Archive version (cert<N>.pem): how many times it has been issued. */
  version: number;
}

/** Small seeded PRNG (mulberry32): the same count and seed always give the same spread. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * Age of the current certificate in days. certbot renews 30 days before expiry, so a healthy 90-day certificate is
 * 0-60 days old; a few lineages are overdue (not yet flagged), expiring (under 15 days left) or expired, with gaps
 * around ngcert's thresholds so a run never sits on a boundary.
 */
function pickAgeDays(random: () => number): number {
  const r = random();
  if (r < 0.03) return 91 + random() * 89; // expired 1-90 days ago
  if (r < 0.06) return 76 + random() * 13.5; // expiring: 0.5-14 days left
  if (r < 0.1) return 60 + random() * 14; // due for renewal, 16-30 days left: not a problem yet
  return random() * 60;
}

export function planLineages(count: number, now: Date, seed = 2000): PlannedLineage[] {
  const random = seededRandom(seed);
  const width = String(count).length;
  return Array.from({ length: count }, (_, index) => {
    const name = `site${String(index + 1).padStart(width, "0")}.example.com`;
    const domains = [name];
    const extra = random();
    if (extra < 0.05) domains.push(`www.${name}`, `api.${name}`, `static.${name}`);
    else if (extra < 0.45) domains.push(`www.${name}`);
    const algorithm = random() < 0.02 ? "rsa-2048" : "ecdsa-p256";
    const authenticator = random() < 0.05 ? "standalone" : "webroot";
    const notBefore = new Date(now.getTime() - pickAgeDays(random) * DAY);
    const notAfter = new Date(notBefore.getTime() + 90 * DAY);
    return { name, domains, algorithm, authenticator, notBefore, notAfter, version: 1 + Math.floor(random() * 8) };
  });
}
