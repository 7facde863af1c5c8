// Puts a lineage from the issuer into this node's letsencrypt dir in certbot's own layout: the four files as the next
// free archive version (privkey 0600), the renewal conf with this node's paths, and live/<name>/ switched to the new
// version in one atomic step (a new lineage's live directory is built aside and renamed into place). Nothing is
// brought into service here: the caller takes the result through the door. The caller holds the writer lock.
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { readCertificateInfo } from "../certs/certificate-info.js";
import { parseCertificatePems } from "../certs/pem.js";
import { renewalConfPath } from "../certbot/read-lineage.js";
import { LINEAGE_KINDS, linkedVersion } from "../deploy/lineage-versions.js";
import { switchLiveDir } from "../deploy/switch-live-dir.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { faultStep } from "../fs/fault-injection.js";
import type { BundleLineage } from "./bundle.js";
import { rebaseRenewalConf, type NodePaths } from "./rebase-renewal-conf.js";
import { recordIntent } from "./receive-journal.js";

export type InstallResult =
  | { name: string; status: "installed"; version: number }
  | { name: string; status: "unchanged"; version: number | undefined }
  | { name: string; status: "kept-newer"; version: number | undefined; reason: string };

export interface InstallInput {
  lineage: BundleLineage;
  /** The node's own certificate for it now (live/ as it is), when it has one. */
  current: { fingerprint: string | undefined; notBefore: string | undefined } | undefined;
  /** The issuer's webroot, named in its renewal conf. */
  fromWebroot: string;
  to: NodePaths;
  /** certbot on this node may renew it (only the issuer's). */
  autorenew: boolean;
}

export function installLineage(input: InstallInput): InstallResult {
  const { lineage, to } = input;
  const liveDir = path.join(to.letsencryptDir, "live", lineage.name);
  const archiveDir = path.join(to.letsencryptDir, "archive", lineage.name);
  const conf = rebaseRenewalConf(lineage.conf, { name: lineage.name, fromWebroot: input.fromWebroot, to, autorenew: input.autorenew });
  const confFile = renewalConfPath(to.letsencryptDir, lineage.name);
  const current = input.current;
  if (current?.fingerprint === lineage.fingerprint) {
    writeConfIfChanged(confFile, conf);
    return { name: lineage.name, status: "unchanged", version: linkedVersion(liveDir) };
  }
  // A node never goes back: an issuer that was away (and is the issuer again) may hold an older certificate.
  const sentNotBefore = readCertificateInfo(parseCertificatePems(lineage.cert)[0]!).notBefore;
  if (current?.notBefore !== undefined && Date.parse(current.notBefore) > sentNotBefore.getTime()) {
    return { name: lineage.name, status: "kept-newer", version: linkedVersion(liveDir), reason: `this node has a newer certificate (not before ${current.notBefore}) than the one sent (${sentNotBefore.toISOString()})` };
  }

  const newLineage = !existsSync(liveDir);
  for (const dir of ["archive", "live", "renewal"]) ensureDir(path.join(to.letsencryptDir, dir), 0o700);
  ensureDir(archiveDir, 0o755);
  const version = nextFreeVersion(archiveDir);
  recordIntent(to.letsencryptDir, { name: lineage.name, version, newLineage });
  // The key first, never readable by others; never overwriting an existing version ("wx").
  for (const kind of ["privkey", "cert", "chain", "fullchain"] as const) {
    writeNewFile(path.join(archiveDir, `${kind}${version}.pem`), lineage[kind], kind === "privkey" ? 0o600 : 0o644);
    faultStep(`received ${kind}`);
  }
  if (newLineage) {
    const staged = path.join(path.dirname(liveDir), `.${lineage.name}.ngcert-staged-${randomBytes(4).toString("hex")}`);
    mkdirSync(staged, { mode: 0o755 });
    for (const kind of LINEAGE_KINDS) symlinkSync(path.relative(liveDir, path.join(archiveDir, `${kind}${version}.pem`)), path.join(staged, `${kind}.pem`));
    writeFileSync(path.join(staged, "README"), LIVE_README);
    faultStep("received live dir staged");
    renameSync(staged, liveDir);
    faultStep("received live dir placed");
    writeConfIfChanged(confFile, conf);
  } else {
    writeConfIfChanged(confFile, conf);
    switchLiveDir(liveDir, archiveDir, version);
  }
  faultStep("received lineage switched");
  return { name: lineage.name, status: "installed", version };
}

/** certbot's next_free_version: one more than any version in archive/<name>/. */
export function nextFreeVersion(archiveDir: string): number {
  let highest = 0;
  for (const file of readdirSync(archiveDir)) {
    const match = /^(?:cert|chain|fullchain|privkey)(\d+)\.pem$/.exec(file);
    if (match) highest = Math.max(highest, Number(match[1]));
  }
  return highest + 1;
}

function writeConfIfChanged(file: string, text: string): void {
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === text) return;
  writeFileAtomic(file, text, 0o644);
  faultStep("received renewal conf");
}

function writeNewFile(file: string, content: string, mode: number): void {
  const fd = openSync(file, "wx", mode);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(file, mode); // the umask may have narrowed it
}

function ensureDir(dir: string, mode: number): void {
  if (!existsSync(dir)) mkdirSync(dir, { mode });
}

// certbot's README in each live/<name>/ directory (storage.py), so a received lineage looks like one certbot made.
const LIVE_README = `This directory contains your keys and certificates.

\`privkey.pem\`  : the private key for your certificate.
\`fullchain.pem\`: the certificate file used in most server software.
\`chain.pem\`    : used for OCSP stapling in Nginx >=1.3.7.
\`cert.pem\`     : will break many server configurations, and should not be used
                 without reading further documentation (see link below).

WARNING: DO NOT MOVE OR RENAME THESE FILES!
         Certbot expects these files to remain in this location in order
         to function properly!

We recommend not moving these files. For more information, see the Certbot
User Guide at https://certbot.eff.org/docs/using.html#where-are-my-certificates.
`;
