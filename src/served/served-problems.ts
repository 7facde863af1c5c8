// verify's extra checks: for every domain of a lineage, does nginx present that lineage's certificate for the name?
// Each problem says what was seen: the failure of the last of several attempts, or which certificate nginx presents.
import type { LineageFacts } from "../certbot/lineage.js";
import type { Problem } from "../certbot/problem.js";
import { readCertificateInfo } from "../certs/certificate-info.js";
import type { ServedProbe } from "./probe-served.js";
import type { ServedCheck } from "./wait-until-served.js";

export function placeOf(probe: { host: string; port: number }): string {
  return `${probe.host.includes(":") ? `[${probe.host}]` : probe.host}:${probe.port}`;
}

/** "for a.example, www.a.example, expires 2027-01-30": whose certificate nginx presents instead. */
export function describeServedCertificate(der: Buffer): string {
  try {
    const info = readCertificateInfo(der);
    const names = [...new Set([...(info.commonName === undefined ? [] : [info.commonName]), ...info.dnsNames, ...info.ipAddresses])];
    const shown = names.length > 3 ? `${names.slice(0, 3).join(", ")} and ${names.length - 3} more` : names.join(", ");
    return `${shown === "" ? "no names" : `for ${shown}`}, expires ${info.notAfter.toISOString().slice(0, 10)}`;
  } catch {
    return "not a certificate ngcert can read";
  }
}

export function servedProblems(facts: LineageFacts, checks: readonly (ServedCheck & { probe: ServedProbe })[], waiting?: { since: string; reason: string }): Problem[] {
  const problems: Problem[] = [];
  for (const check of checks) {
    if (check.matches) continue;
    const where = placeOf(check.probe);
    if (!check.result.ok) {
      const attempts = check.result.attempts ?? 1;
      problems.push({ code: "NOT_SERVED", message: `${check.domain}: no TLS handshake on ${where} (${check.result.error}${attempts > 1 ? `; asked ${attempts} times` : ""})` });
    } else if (waiting) {
      problems.push({
        code: "SERVED_MISMATCH",
        message: `${check.domain}: nginx still serves ${check.result.fingerprint.slice(0, 16)}… on ${where}; the version on disk passed the deploy checks and is waiting for a reload since ${waiting.since} (${waiting.reason})`,
      });
    } else {
      problems.push({
        code: "SERVED_MISMATCH",
        message: `${check.domain}: nginx serves certificate ${check.result.fingerprint.slice(0, 16)}… (${describeServedCertificate(check.result.der)}) on ${where}, not ${facts.name}'s cert.pem (${facts.fingerprint?.slice(0, 16)}…); reload nginx or check its ssl_certificate`,
      });
    }
  }
  return problems;
}
