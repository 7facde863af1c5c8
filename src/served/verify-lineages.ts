// `verify`'s judgement: status's checks plus, for every name of each lineage, what nginx presents for it. Handshakes
// for every name run together (bounded, retried: probe-served.ts); a version waiting for a reload says since when
// and why.
import type { LineageFacts } from "../certbot/lineage.js";
import { toStatus, type CertificateStatus } from "../status/collect-status.js";
import type { LineageTiming } from "../timing/timing-state.js";
import { servedProblems } from "./served-problems.js";
import { probeKey, probeServed, type ServedProbe, type ServedTarget } from "./probe-served.js";

export interface VerifyOptions {
  /** Where ngcert's sites take TLS connections: asked for a lineage no parsed nginx block is known to use. */
  target: ServedTarget;
  /** Where the blocks using each lineage listen, from nginx's configuration (absent: nginx -T could not be read). */
  probesOf?: (facts: LineageFacts) => ServedProbe[] | undefined;
  now: Date;
  warnDays: number | undefined;
  /** Lineages whose version passed the deploy checks but waits for a reload (deploy/service-state.ts). */
  waiting: Readonly<Record<string, { since: string; reason: string }>>;
  /** What ngcert remembers of each lineage's renewal timing (timing/timing-state.ts). */
  timing?: Readonly<Record<string, LineageTiming>>;
  /** Handshakes at once (probe-served.ts; lowered for an nginx with few worker_connections). */
  concurrency?: number;
}

/** The names to ask nginx for: every name a readable certificate covers, wildcards aside (no SNI can ask for them). */
function namesOf(facts: LineageFacts): string[] {
  return facts.fingerprint === undefined ? [] : facts.domains.filter((domain) => !domain.startsWith("*."));
}

export async function verifyLineages(all: readonly LineageFacts[], options: VerifyOptions): Promise<CertificateStatus[]> {
  const probesOf = (facts: LineageFacts): ServedProbe[] => {
    if (facts.fingerprint === undefined) return [];
    const configured = options.probesOf?.(facts);
    return configured && configured.length > 0 ? configured : namesOf(facts).map((name) => ({ name, ...options.target }));
  };
  const probes = new Map(all.map((facts) => [facts.name, probesOf(facts)]));
  const served = await probeServed([...probes.values()].flat(), { concurrency: options.concurrency });
  return all.map((facts) => {
    const status = toStatus(facts, options.now, options.warnDays, options.timing?.[facts.name]);
    const checks = probes.get(facts.name)!.map((probe) => {
      const result = served.get(probeKey(probe))!;
      return { domain: probe.name, probe, result, matches: result.ok && result.fingerprint === facts.fingerprint };
    });
    const wait = Object.hasOwn(options.waiting, facts.name) ? options.waiting[facts.name] : undefined;
    return { ...status, problems: [...status.problems, ...servedProblems(facts, checks, wait)] };
  });
}
