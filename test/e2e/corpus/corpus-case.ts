// A case of fixtures/nginx-corpus put into a running test world: its nginx files (placeholders filled), directories,
// certificate files, and its lineages (certificates from a test CA, renewal confs as certbot writes them, against
// the world's Pebble with a registered account), then nginx reloaded.
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { hostHasIpv6 } from "../../../src/nginx/host-ipv6.js";
import { makeCa, makeLeaf, type TestCert } from "../../helpers/pki.js";
import { writeLineage } from "../../helpers/lineage-tree.js";
import { describeCertbot, runCertbot } from "../../world/run-certbot.js";
import type { World } from "../../world/world.js";

export const CORPUS_DIR = path.resolve("fixtures/nginx-corpus");

export interface CorpusLineage {
  name: string;
  domains: string[];
  authenticator: string;
  webroot?: string;
  installer?: string;
  hooks?: "stop-start" | "systemctl" | "service";
}

export interface CorpusCase {
  id: string;
  title: string;
  init: boolean;
  dirs: string[];
  certs?: { cert: string; key: string; domains: string[] }[];
  lineages: CorpusLineage[];
  expect: {
    doctor: Record<string, string>;
    codes: string[];
    fixed: Record<string, string>;
    fixedCodes?: string[];
    migrate: Record<string, string>;
  };
}

export async function listCases(): Promise<string[]> {
  const entries = await readdir(CORPUS_DIR, { withFileTypes: true });
  return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
}

export async function readCase(id: string): Promise<CorpusCase> {
  return { id, ...(JSON.parse(await readFile(path.join(CORPUS_DIR, id, "case.json"), "utf8")) as Omit<CorpusCase, "id">) };
}

export function placeholders(world: World): Record<string, string> {
  return {
    HTTP: String(world.ports.http),
    HTTPS: String(world.ports.https),
    ADDR: "127.0.0.1",
    WEB: path.join(world.dirs.root, "web"),
    LE: world.dirs.letsencryptDir,
    NGINX: world.dirs.nginxDir,
    WEBROOT: world.dirs.webroot,
    LOGS: world.nginx.runtimeDir,
    UPSTREAM: world.upstream.url,
    UPSTREAM_HOSTPORT: `127.0.0.1:${world.upstream.port}`,
  };
}

// nginx cannot bind [::1] on a host without IPv6 (many containers): there the IPv6 listens of a case are left out.
const IPV6 = hostHasIpv6();

export function fill(text: string, values: Record<string, string>): string {
  const lines = IPV6 ? text : text.split("\n").filter((line) => !/^\s*listen\s+\[::1\]/.test(line)).join("\n");
  return lines.replace(/\{\{([A-Z_]+)\}\}/g, (match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`unknown placeholder ${match}`);
    return value;
  });
}

/** Copies a fixture tree into `target`, filling placeholders in every file. */
async function copyFilled(source: string, target: string, values: Record<string, string>): Promise<void> {
  const entries = await readdir(source, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const from = path.join(source, entry.name);
    const to = path.join(target, entry.name);
    if (entry.isDirectory()) {
      await mkdir(to, { recursive: true });
      await copyFilled(from, to, values);
    } else {
      await writeFile(to, fill(await readFile(from, "utf8"), values));
    }
  }
}

/** Registers an account with the world's Pebble once and returns its id (what renewal confs name). */
export async function registerAccount(world: World): Promise<string> {
  const run = await runCertbot(world, "register", []);
  if (run.exitCode !== 0) throw new Error(describeCertbot(world, run));
  const accounts = path.join(world.dirs.letsencryptDir, "accounts");
  const server = (await readdir(accounts))[0]!;
  return (await readdir(path.join(accounts, server, "dir")))[0]!;
}

function hookLines(world: World, hooks: CorpusLineage["hooks"]): string[] {
  switch (hooks) {
    case "stop-start":
      return [`pre_hook = ${world.programs.nginx} -c ${world.nginx.conf} -s stop`, `post_hook = ${world.programs.nginx} -e ${world.nginx.errorLog} -c ${world.nginx.conf}`];
    case "systemctl":
      return ["pre_hook = systemctl stop nginx", "post_hook = systemctl start nginx"];
    case "service":
      return ["pre_hook = service nginx stop", "post_hook = service nginx start"];
    default:
      return [];
  }
}

/** A renewal conf in the order and format certbot 2.1 writes one. */
export function renderRenewalConf(world: World, lineage: CorpusLineage, account: string, values: Record<string, string>): string {
  const le = world.dirs.letsencryptDir;
  const live = path.join(le, "live", lineage.name);
  const webroot = lineage.webroot === undefined ? undefined : fill(lineage.webroot, values);
  return [
    "# renew_before_expiry = 30 days",
    "version = 2.1.0",
    `archive_dir = ${path.join(le, "archive", lineage.name)}`,
    `cert = ${live}/cert.pem`,
    `privkey = ${live}/privkey.pem`,
    `chain = ${live}/chain.pem`,
    `fullchain = ${live}/fullchain.pem`,
    "",
    "# Options used in the renewal process",
    "[renewalparams]",
    `account = ${account}`,
    ...hookLines(world, lineage.hooks),
    `authenticator = ${lineage.authenticator}`,
    ...(lineage.installer ? [`installer = ${lineage.installer}`] : []),
    ...(webroot ? [`webroot_path = ${webroot},`] : []),
    `server = ${world.directoryUrl}`,
    "key_type = ecdsa",
    ...(webroot ? ["[[webroot_map]]", ...lineage.domains.map((domain) => `${domain} = ${webroot}`)] : []),
    "",
  ].join("\n");
}

export async function prepareCase(world: World, testCase: CorpusCase, account: string): Promise<void> {
  const values = placeholders(world);
  for (const dir of testCase.dirs) await mkdir(path.join(values.WEB!, dir), { recursive: true });
  const ca: TestCert = await makeCa({ name: `corpus ${testCase.id} CA` });
  for (const lineage of testCase.lineages) {
    const leaf = await makeLeaf({ domains: lineage.domains, issuer: ca });
    await writeLineage(world.dirs.letsencryptDir, { name: lineage.name, leaf, chain: [ca], conf: renderRenewalConf(world, lineage, account, values) });
  }
  for (const cert of testCase.certs ?? []) {
    const leaf = await makeLeaf({ domains: cert.domains, issuer: ca });
    await mkdir(path.dirname(path.join(world.dirs.nginxDir, cert.cert)), { recursive: true });
    await writeFile(path.join(world.dirs.nginxDir, cert.cert), leaf.pem + ca.pem);
    await writeFile(path.join(world.dirs.nginxDir, cert.key), leaf.key.privateKeyPem, { mode: 0o600 });
  }
  await copyFilled(path.join(CORPUS_DIR, testCase.id, "nginx"), world.dirs.nginxDir, values);
  await copyFilled(path.join(CORPUS_DIR, testCase.id, "letsencrypt"), world.dirs.letsencryptDir, values);
  await world.reloadNginx();
}
