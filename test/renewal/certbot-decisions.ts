// certbot's own decision, due or not, on generated lineages: real `certbot renew` on a letsencrypt dir of them, its
// CA a closed port, so a lineage certbot finds due is attempted and fails at once ("(failure)"), one it does not is
// "(skipped)". What certbot 2.1 decides before ngcert writes renew_before_expiry, and after.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { readLineageFacts } from "../../src/certbot/read-lineage.js";
import type { LineageFacts } from "../../src/certbot/lineage.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeLeaf, type TestCert } from "../helpers/pki.js";

export interface TimingCase {
  name: string;
  lifetimeMs: number;
  /** How long ago the certificate's lifetime began. */
  ageMs: number;
}

/** Writes each case as a lineage whose certificate started `ageMs` before `now`, lasting `lifetimeMs` less a second, as Let's Encrypt's do. */
export async function writeCases(letsencryptDir: string, cases: readonly TimingCase[], issuer: TestCert, now: number): Promise<void> {
  for (const item of cases) {
    const notBefore = new Date(now - item.ageMs);
    const leaf = await makeLeaf({ domains: [item.name], issuer, notBefore, notAfter: new Date(notBefore.getTime() + item.lifetimeMs - 1000) });
    // A CA on a closed port: certbot fails the moment it tries.
    await writeLineage(letsencryptDir, { name: item.name, leaf, chain: [issuer], server: "https://127.0.0.1:9/dir" });
  }
}

export function readCases(letsencryptDir: string, cases: readonly TimingCase[]): LineageFacts[] {
  return cases.map((item) => readLineageFacts(letsencryptDir, item.name, true));
}

/** certbot renew's verdict per lineage name: true when it found it due (and tried), false when it skipped it. */
export async function certbotDecisions(certbot: string, letsencryptDir: string): Promise<Map<string, boolean>> {
  const work = path.join(path.dirname(letsencryptDir), "certbot-work");
  const logs = path.join(path.dirname(letsencryptDir), "certbot-logs");
  await mkdir(work, { recursive: true });
  await mkdir(logs, { recursive: true });
  const result = await execa(certbot, ["renew", "--config-dir", letsencryptDir, "--work-dir", work, "--logs-dir", logs, "--non-interactive", "--no-random-sleep-on-renew", "--no-directory-hooks"], {
    reject: false,
    env: { ...process.env, XDG_CONFIG_HOME: path.join(path.dirname(letsencryptDir), "xdg") },
    timeout: 120_000,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const decisions = new Map<string, boolean>();
  for (const match of output.matchAll(/^\s*\S+\/live\/([^/\s]+)\/fullchain\.pem (?:expires on \S+ )?\((skipped|failure)\)\s*$/gm)) decisions.set(match[1]!, match[2] === "failure");
  return decisions;
}
