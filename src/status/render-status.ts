// Renders status results: SPEC.md's JSON document, and a table for people.
import { showInput } from "../text/show-input.js";
import type { CertificateStatus } from "./collect-status.js";

export function renderStatusJson(certificates: readonly CertificateStatus[]): string {
  return `${JSON.stringify({ certificates }, null, 2)}\n`;
}

const RED = "\u001b[31m";
const YELLOW = "\u001b[33m";
const GREEN = "\u001b[32m";
const RESET = "\u001b[0m";

/** Domains for the table: all of them while they fit a column of DOMAINS_WIDTH, else the first ones and a count. */
const DOMAINS_WIDTH = 48;

function renderDomains(domains: readonly string[]): string {
  if (domains.length === 0) return "-";
  const all = domains.join(",");
  if (all.length <= DOMAINS_WIDTH) return all;
  let shown = domains[0]!;
  let count = 1;
  while (count < domains.length && `${shown},${domains[count]},+${domains.length - count - 1}`.length <= DOMAINS_WIDTH) shown += `,${domains[count++]}`;
  return `${shown},+${domains.length - count}`;
}

/** "2026-07-01 12:00 lifetime", "due (ari)": when it renews, to the minute (a 6-day certificate renews within days). */
function renderRenewal(cert: CertificateStatus, now: Date | undefined): string {
  if (cert.renewAfter === null || cert.renewReason === null) return "-";
  if (now !== undefined && Date.parse(cert.renewAfter) <= now.getTime()) return `due (${cert.renewReason})`;
  return `${cert.renewAfter.slice(0, 10)} ${cert.renewAfter.slice(11, 16)} ${cert.renewReason}`;
}

/** The table, one line a certificate: names and messages from disk are shown with their control characters escaped. */
export function renderStatusTable(certificates: readonly CertificateStatus[], color: boolean, now?: Date): string {
  if (certificates.length === 0) return "No certificates.\n";
  const paint = (text: string, code: string): string => (color ? `${code}${text}${RESET}` : text);
  const rows = certificates.map((cert) => [
    showInput(cert.name),
    showInput(renderDomains(cert.domains)),
    cert.daysLeft === null ? "-" : String(cert.daysLeft),
    renderRenewal(cert, now),
    cert.authenticator ?? "-",
    cert.problems.length === 0 ? "ok" : [...new Set(cert.problems.map((problem) => problem.code))].join(","),
  ]);
  const header = ["NAME", "DOMAINS", "DAYS", "RENEW", "AUTH", "PROBLEMS"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ");
  const out = [line(header)];
  rows.forEach((row, index) => {
    const cert = certificates[index]!;
    const severe = cert.problems.some((problem) => problem.code !== "EXPIRING" && problem.code !== "STANDALONE");
    const text = line(row);
    out.push(cert.problems.length === 0 ? text.replace(/ok$/, paint("ok", GREEN)) : paint(text, severe ? RED : YELLOW));
  });
  const details = certificates.flatMap((cert) => cert.problems.map((problem) => `  ${showInput(cert.name)}: ${problem.code}: ${showInput(problem.message)}`));
  if (details.length > 0) out.push("", "Problems:", ...details);
  const explained = certificates.filter((cert) => cert.explanationURL !== null);
  if (explained.length > 0) out.push("", "The CA explains its renewal window:", ...explained.map((cert) => `  ${showInput(cert.name)}: ${showInput(cert.explanationURL ?? "")}`));
  const failing = certificates.filter((cert) => cert.lastError !== null);
  if (failing.length > 0) out.push("", "Failed renewals:", ...failing.map((cert) => `  ${showInput(cert.name)}: next attempt ${cert.nextAttempt ?? "-"}; last error: ${showInput(cert.lastError ?? "")}`));
  return `${out.join("\n")}\n`;
}
