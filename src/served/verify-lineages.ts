// `verify`'s judgement: status's checks plus, for every name of each lineage, what nginx presents for it. Handshakes
// for every name run together (bounded, retried: wait-until-served.ts); a version waiting for a reload says since when
// and why.
import type { LineageFacts } from "../certbot/lineage.js";
import { toStatus, type CertificateStatus } from "../status/collect-status.js";
import type { LineageTiming } from "../timing/timing-state.js";
import { servedProblems } from "./served-problems.js";
import { fetchServed, type ServedTarget } from "./wait-until-served.js";

export interface VerifyOptions {
  target: ServedTarget;
  now: Date;
  warnDays: number | undefined;
  /** Lineages whose version passed the deploy checks but waits for a reload (deploy/service-state.ts). */
  waiting: Readonly<Record<string, { since: string; reason: string }>>;
  /** What ngcert remembers of each lineage's renewal timing (timing/timing-state.ts). */
  timing?: Readonly<Record<string, LineageTiming>>;
}

/** The names to ask nginx for: every name a readable certificate covers, wildcards aside (no SNI can ask for them). */
function namesOf(facts: LineageFacts): string[] {
  return facts.fingerprint === undefined ? [] : facts.domains.filter((domain) => !domain.startsWith("*."));
}

export async function verifyLineages(all: readonly LineageFacts[], options: VerifyOptions): Promise<CertificateStatus[]> {
  const served = await fetchServed(options.target, all.flatMap(namesOf));
  return all.map((facts) => {
    const status = toStatus(facts, options.now, options.warnDays, options.timing?.[facts.name]);
    const checks = namesOf(facts).map((domain) => {
      const result = served.get(domain)!;
      return { domain, result, matches: result.ok && result.fingerprint === facts.fingerprint };
    });
    const wait = Object.hasOwn(options.waiting, facts.name) ? options.waiting[facts.name] : undefined;
    return { ...status, problems: [...status.problems, ...servedProblems(facts, checks, options.target.port, wait)] };
  });
}
