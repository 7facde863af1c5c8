// Asks the system certbot about a letsencrypt dir, as an operator would: `certbot certificates` (what it lists, and as
// what) and `certbot renew` with nothing due (which lineages it processes, skips as not due, refuses to parse or fails,
// and its reason for each, from its own error lines). Nothing here contacts a CA: every certificate is far from expiry.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { fileURLToPath } from "node:url";
import { runOracle } from "../../helpers/certbot-python.js";
import { makeCleanEnv } from "../../../src/world/clean-env.js";

const CERTIFICATES_ORACLE = fileURLToPath(new URL("./certificates_oracle.py", import.meta.url));

export interface ListedCertificate {
  name: string;
  serial: string;
  keyType: string;
  domains: string[];
  /** "2028-01-06 09:46:26+00:00" */
  expiry: string;
  certificatePath: string;
  privateKeyPath: string;
}

export type RenewOutcome = { outcome: "not-due" } | { outcome: "parsefail" | "failure"; reason: string };

export interface CertbotVerdicts {
  /** `certbot certificates`: lineages it lists as found, by name. */
  listed: Map<string, ListedCertificate>;
  /** `certbot certificates`: confs it calls invalid. */
  invalid: Set<string>;
  /**
   * Set when `certbot certificates` itself crashed (certbot 2.1 stops for every lineage when one conf lacks
   * [renewalparams]): the verdicts above then come from certbot's own code run lineage by lineage
   * (certificates_oracle.py), and these are the confs it crashes on.
   */
  certificatesCrash: { error: string; confs: Map<string, string> } | undefined;
  /** `certbot renew`: the outcome for every conf it processed, by conf path. */
  renew: Map<string, RenewOutcome>;
  /** Conf paths in the order certbot processed them. */
  processed: string[];
  raw: { certificates: string; renewOut: string; renewErr: string };
}

async function runCertbot(certbot: string, args: string[], scratch: string): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  const result = await execa(certbot, args, {
    reject: false,
    cwd: "/",
    extendEnv: false,
    env: { ...makeCleanEnv(), XDG_CONFIG_HOME: path.join(scratch, "xdg"), HOME: scratch },
    stdin: "ignore",
    timeout: 600_000,
  });
  return { stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1 };
}

/** `renew: false` asks `certbot certificates` only (the renew verdicts are then empty). */
export async function askCertbot(certbot: string, letsencryptDir: string, options: { renew?: boolean } = {}): Promise<CertbotVerdicts> {
  const scratch = await mkdtemp(path.join(tmpdir(), "ngcert-certbot-oracle-"));
  try {
    const dirs = (name: string) => ["--config-dir", letsencryptDir, "--work-dir", path.join(scratch, `work-${name}`), "--logs-dir", path.join(scratch, `logs-${name}`)];
    const certificates = await runCertbot(certbot, ["certificates", ...dirs("certificates"), "--non-interactive"], scratch);
    const renew = options.renew === false ? { stdout: "", stderr: "", exitCode: 0 } : await runCertbot(certbot, ["renew", ...dirs("renew"), "--non-interactive", "--no-random-sleep-on-renew"], scratch);
    const text = `${certificates.stdout}\n${certificates.stderr}`;
    const crash = /^An unexpected error occurred:\n(.*)$/m.exec(text);
    let verdicts: Pick<CertbotVerdicts, "listed" | "invalid" | "certificatesCrash">;
    if (!crash) verdicts = { ...parseCertificates(text), certificatesCrash: undefined };
    else {
      const answer = await runOracle<{ listed: Record<string, string>; invalid: Record<string, string>; crashed: Record<string, string> }>(CERTIFICATES_ORACLE, {
        config_dir: letsencryptDir,
        work_dir: path.join(scratch, "work-oracle"),
        logs_dir: path.join(scratch, "logs-oracle"),
      });
      const listed = parseCertificates(Object.values(answer.listed).join("\n")).listed;
      verdicts = { listed, invalid: new Set(Object.keys(answer.invalid)), certificatesCrash: { error: crash[1]!, confs: new Map(Object.entries(answer.crashed)) } };
    }
    return { ...verdicts, ...parseRenew(renew.stdout, renew.stderr), raw: { certificates: text, renewOut: renew.stdout, renewErr: renew.stderr } };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function parseCertificates(text: string): Pick<CertbotVerdicts, "listed" | "invalid"> {
  // A lineage's block in `certbot certificates` (the same text human_readable_cert_info returns).
  const listed = new Map<string, ListedCertificate>();
  const block = /^ {2}Certificate Name: (.*)\n {4}Serial Number: (.*)\n {4}Key Type: (.*)\n {4}Domains: (.*)\n {4}Expiry Date: (.*) \((?:VALID|INVALID)[^)]*\)\n {4}Certificate Path: (.*)\n {4}Private Key Path: (.*)$/gm;
  for (const match of text.matchAll(block)) {
    const [, name, serial, keyType, domains, expiry, certificatePath, privateKeyPath] = match as unknown as string[];
    listed.set(name!, { name: name!, serial: serial!, keyType: keyType!, domains: domains!.split(" ").filter(Boolean), expiry: expiry!, certificatePath: certificatePath!, privateKeyPath: privateKeyPath! });
  }
  const invalid = new Set<string>();
  const section = /The following renewal configurations were invalid:\n((?: {2}.*\n?)*)/.exec(text);
  for (const line of section?.[1]?.split("\n") ?? []) if (line.trim() !== "") invalid.add(line.trim());
  return { listed, invalid };
}

function parseRenew(stdout: string, stderr: string): Pick<CertbotVerdicts, "renew" | "processed"> {
  // certbot wraps this notice at 80 columns: a long path lands on the next line.
  const processed = [...stdout.matchAll(/^Processing[ \n](\S+)$/gm)].map((match) => match[1]!);
  const parsefail = new Set([...stdout.matchAll(/^ {2}(.*) \(parsefail\)$/gm)].map((match) => match[1]!));
  const failedFullchains = new Set([...`${stdout}\n${stderr}`.matchAll(/^ {2}(.*) \(failure\)$/gm)].map((match) => match[1]!));
  const reasons = new Map<string, string>();
  const patterns: RegExp[] = [
    /^Renewal configuration file (.*) is broken\.\nThe error was: ([^]*?)\nSkipping\.$/gm,
    /^Renewal configuration file (.*) \(cert: .*\) produced an unexpected error: ([^]*?)\. Skipping\.$/gm,
    /^Renewal configuration file (.*) (does not specify an authenticator)\. Skipping\.$/gm,
    /^Renewal configuration file (.*) (lacks renewalparams)\. Skipping\.$/gm,
    /^An error occurred while parsing (.*)\. The error was ([^]*?)\. Skipping the file\.$/gm,
    /^Renewal configuration file (.*) references a certificate that contains an invalid domain name\. The problem was: ([^]*?)\. Skipping\.$/gm,
  ];
  for (const pattern of patterns) for (const match of stderr.matchAll(pattern)) reasons.set(match[1]!, match[2]!);
  const failures = new Map([...stderr.matchAll(/^Failed to renew certificate (.*) with error: (.*)$/gm)].map((match) => [match[1]!, match[2]!]));
  const renew = new Map<string, RenewOutcome>();
  // Each conf's block in stdout says "not yet due" when certbot got as far as asking.
  const blocks = stdout.split(/^Processing[ \n]/m).slice(1);
  for (const block of blocks) {
    const conf = block.slice(0, block.indexOf("\n"));
    const lineage = path.basename(conf, ".conf");
    if (/Certificate not yet due for renewal/.test(block)) renew.set(conf, { outcome: "not-due" });
    else if (parsefail.has(conf)) renew.set(conf, { outcome: "parsefail", reason: reasons.get(conf) ?? "(no reason found)" });
    else renew.set(conf, { outcome: "failure", reason: failures.get(lineage) ?? "(no reason found)" });
  }
  void failedFullchains;
  return { renew, processed };
}
