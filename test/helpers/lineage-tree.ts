// Writes certbot's on-disk layout for a lineage (archive/, live/ symlinks, renewal conf) into a temporary letsencrypt dir.
import { mkdir, symlink, writeFile, rm } from "node:fs/promises";
import path from "node:path";
import type { TestCert } from "./pki.js";

export interface LineageSpec {
  name: string;
  leaf: TestCert;
  /** Issuer first, as certbot's chain.pem. */
  chain: TestCert[];
  authenticator?: string;
  webroot?: string;
  /** Archive version number (cert<N>.pem). */
  version?: number;
  /** Overrides for file contents, to build broken lineages. */
  files?: Partial<Record<"cert" | "chain" | "fullchain" | "privkey", string>>;
  /** Replaces the whole renewal conf. */
  conf?: string;
  server?: string;
  /** `key_type` in [renewalparams]; default "ecdsa". */
  keyType?: string;
  /** Domains listed in [[webroot_map]]; default the leaf's CN only. */
  webrootDomains?: string[];
}

export function renewalConfText(root: string, spec: LineageSpec): string {
  const live = path.join(root, "live", spec.name);
  const authenticator = spec.authenticator ?? "webroot";
  const webroot = spec.webroot ?? "/var/www/acme-challenge";
  const domains = spec.leaf.certificate.subject.replace(/^CN=/, "");
  const lines = [
    "# renew_before_expiry = 30 days",
    "version = 2.1.0",
    `archive_dir = ${path.join(root, "archive", spec.name)}`,
    `cert = ${path.join(live, "cert.pem")}`,
    `privkey = ${path.join(live, "privkey.pem")}`,
    `chain = ${path.join(live, "chain.pem")}`,
    `fullchain = ${path.join(live, "fullchain.pem")}`,
    "",
    "# Options used in the renewal process",
    "[renewalparams]",
    "account = 0123456789abcdef0123456789abcdef",
    `authenticator = ${authenticator}`,
    `server = ${spec.server ?? "https://acme-v02.api.letsencrypt.org/directory"}`,
    `key_type = ${spec.keyType ?? "ecdsa"}`,
  ];
  if (authenticator === "webroot") {
    lines.push(`webroot_path = ${webroot},`, "[[webroot_map]]", ...(spec.webrootDomains ?? [domains]).map((domain) => `${domain} = ${webroot}`));
  }
  return `${lines.join("\n")}\n`;
}

/** Writes one lineage the way certbot does: files in archive/<name>/, relative symlinks in live/<name>/. */
export async function writeLineage(root: string, spec: LineageSpec): Promise<void> {
  const version = spec.version ?? 1;
  const archive = path.join(root, "archive", spec.name);
  const live = path.join(root, "live", spec.name);
  await mkdir(archive, { recursive: true });
  await mkdir(live, { recursive: true });
  await mkdir(path.join(root, "renewal"), { recursive: true });
  const chainPem = spec.chain.map((cert) => cert.pem).join("");
  const contents = {
    cert: spec.leaf.pem,
    chain: chainPem,
    fullchain: spec.leaf.pem + chainPem,
    privkey: spec.leaf.key.privateKeyPem,
    ...spec.files,
  };
  for (const [kind, text] of Object.entries(contents)) {
    await writeFile(path.join(archive, `${kind}${version}.pem`), text, { mode: kind === "privkey" ? 0o600 : 0o644 });
    const link = path.join(live, `${kind}.pem`);
    await rm(link, { force: true });
    await symlink(path.join("..", "..", "archive", spec.name, `${kind}${version}.pem`), link);
  }
  await writeFile(path.join(root, "renewal", `${spec.name}.conf`), spec.conf ?? renewalConfText(root, spec));
}
