// What the issuer sends a node over ssh (one JSON document on the receiver's stdin) and what the node answers (one JSON
// document on its stdout). Everything the node will write is checked here first: lineage names certbot could have
// made, account directories inside accounts/, PEM text that parses. A private key travels only inside ssh.
import { createHash } from "node:crypto";
import path from "node:path";
import { ACCOUNT_FILES, type AccountFile } from "../certbot/account.js";
import { parseCertificatePems } from "../certs/pem.js";
import { NgcertError } from "../errors.js";

export const BUNDLE_FORMAT = 1;

export interface BundleAccount {
  /** accounts/<server path>/<id>, relative to the letsencrypt dir. */
  relativeDir: string;
  files: Record<AccountFile, string>;
}

export interface BundleLineage {
  name: string;
  /** The renewal conf as the issuer has it; the node rewrites its paths to its own. */
  conf: string;
  /** SHA-256 of cert.pem's DER, lower-case hex. */
  fingerprint: string;
  cert: string;
  chain: string;
  fullchain: string;
  privkey: string;
}

export interface Bundle {
  format: number;
  /** The issuing node's name. */
  from: string;
  /** The node it is meant for: a node that is someone else refuses it. */
  to: string;
  /** Where the issuer keeps lineages and answers challenges: the prefixes its renewal confs use. */
  letsencryptDir: string;
  webroot: string;
  accounts: BundleAccount[];
  lineages: BundleLineage[];
}

/** certbot lineage names: a file name in renewal/, live/ and archive/ (certbot makes them from domain names). */
const LINEAGE_NAME = /^[A-Za-z0-9*_][A-Za-z0-9._*-]{0,252}$/;
const ACCOUNT_DIR = /^accounts\/[A-Za-z0-9._:[\]@%+-]+(?:\/[A-Za-z0-9._:%+~-]+)*\/[0-9a-f]{32}$/;

export function isLineageName(name: string): boolean {
  return LINEAGE_NAME.test(name) && name !== "." && name !== ".." && !name.includes("..");
}

export function parseBundle(text: string): Bundle {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new NgcertError("INVALID_INPUT", `the bundle on stdin is not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const fail = (why: string): never => {
    throw new NgcertError("INVALID_INPUT", `the bundle on stdin ${why}`);
  };
  if (data === null || typeof data !== "object" || Array.isArray(data)) return fail("is not a JSON object");
  const bundle = data as Partial<Bundle>;
  if (bundle.format !== BUNDLE_FORMAT) fail(`has format ${JSON.stringify(bundle.format)}; this ngcert reads format ${BUNDLE_FORMAT} (update ngcert on every node to the same version)`);
  for (const key of ["from", "to", "letsencryptDir", "webroot"] as const) if (typeof bundle[key] !== "string" || bundle[key] === "") fail(`has no "${key}"`);
  if (!path.isAbsolute(bundle.letsencryptDir!) || !path.isAbsolute(bundle.webroot!)) fail("names relative directories");
  if (!Array.isArray(bundle.accounts) || !Array.isArray(bundle.lineages)) return fail("has no accounts or lineages list");
  const accounts = bundle.accounts.map((account, index) => {
    const dir = (account as Partial<BundleAccount>)?.relativeDir;
    if (typeof dir !== "string" || !ACCOUNT_DIR.test(dir) || dir.split("/").some((part) => part === "." || part === "..")) fail(`accounts[${index}]: ${JSON.stringify(dir)} is not a certbot account directory`);
    const files = (account as Partial<BundleAccount>).files;
    for (const file of ACCOUNT_FILES) if (typeof files?.[file] !== "string") fail(`accounts[${index}]: no ${file}`);
    return { relativeDir: dir!, files: files! };
  });
  const names = new Set<string>();
  const lineages = bundle.lineages.map((entry, index) => {
    const lineage = entry as Partial<BundleLineage>;
    if (typeof lineage?.name !== "string" || !isLineageName(lineage.name)) return fail(`lineages[${index}]: ${JSON.stringify(lineage?.name)} is not a certificate name`);
    if (names.has(lineage.name)) fail(`names ${lineage.name} twice`);
    names.add(lineage.name);
    for (const key of ["conf", "cert", "chain", "fullchain", "privkey", "fingerprint"] as const) if (typeof lineage[key] !== "string" || lineage[key] === "") fail(`lineages[${index}] (${lineage.name}): no ${key}`);
    if (/[\0]/.test(lineage.conf!)) fail(`lineages[${index}] (${lineage.name}): the renewal conf holds a NUL byte`);
    let der: Buffer | undefined;
    try {
      der = parseCertificatePems(lineage.cert!)[0];
    } catch {
      der = undefined;
    }
    if (!der) return fail(`lineages[${index}] (${lineage.name}): cert is not PEM`);
    if (createHash("sha256").update(der).digest("hex") !== lineage.fingerprint) fail(`lineages[${index}] (${lineage.name}): the fingerprint is not cert's`);
    return lineage as BundleLineage;
  });
  return { format: BUNDLE_FORMAT, from: bundle.from!, to: bundle.to!, letsencryptDir: bundle.letsencryptDir!, webroot: bundle.webroot!, accounts, lineages };
}

export type ReceivedStatus =
  | "installed" // a new version, brought into service (or verified on disk, when no site uses it yet)
  | "unchanged" // the node had this certificate already
  | "kept-newer" // the node has a newer certificate than the one sent: kept
  | "refused" // the node's deploy checks, nginx -t or the handshake refused it: the previous certificate stays
  | "not-served"; // installed and fit, but nginx could not be brought onto it (nginx down, someone's broken file)

export interface ReceivedLineage {
  name: string;
  status: ReceivedStatus;
  /** What the node's door did with it (bring-into-service's status). */
  service: string | undefined;
  version: number | undefined;
  /** The certificate in the node's live/ now. */
  fingerprint: string | undefined;
  /** What nginx on the node presents for each of the lineage's names it serves. */
  served: { domain: string; fingerprint: string | null; error?: string }[];
  reason?: string;
}

export interface ReceiveReport {
  format: number;
  node: string;
  accounts: { relativeDir: string; status: "installed" | "unchanged" }[];
  lineages: ReceivedLineage[];
  /** The reload: "reloaded", "not-needed", "blocked: …", "failed: …", "nginx-down". */
  reload: string;
  /** What the node set up or cleared (its challenge location re-written for a new account, leftovers of a killed run). */
  setup: string[];
  /** Why the node could not set itself up to answer the cluster's challenges, when it could not. */
  setupError: string | null;
  problems: string[];
}

/** A lineage whose new certificate the node does not serve as it should. */
export function isReceiveFailure(lineage: ReceivedLineage): boolean {
  return lineage.status === "refused" || lineage.status === "not-served";
}
