// What must hold on a server whatever happened to the last ngcert command (killed at any step, a full disk, a
// foreign broken file): nginx -t passes, the same nginx runs and serves every site with a certificate of its own
// lineage, each live/ lineage points at one complete archive version, no user file changed, and status tells the
// truth about key and certificate. Each check is made independently of ngcert's code, with nginx and node:crypto.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile, readlink } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { readNginxProcesses } from "./nginx-processes.js";
import { runNgcert } from "./run-ngcert.js";
import { fetchServedCertificate } from "./served-certificate.js";
import type { World } from "./world.js";

export interface ServerExpectations {
  /** The nginx master that must still be running. */
  master: number;
  /** Names nginx must serve over TLS, with the lineage whose certificate it must present. */
  sites: { domain: string; lineage: string }[];
  /** Files that are not ngcert's, with their SHA-256: they must not change. */
  userFiles: Map<string, string>;
}

const KINDS = ["cert", "chain", "fullchain", "privkey"] as const;

export async function hashFiles(files: readonly string[]): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const file of files) hashes.set(file, createHash("sha256").update(await readFile(file)).digest("hex"));
  return hashes;
}

/** Every violated invariant, as a sentence; empty when the server is fine. */
export async function checkInvariants(world: World, expected: ServerExpectations): Promise<string[]> {
  const violations: string[] = [];
  const test = await execa(world.programs.nginx, ["-t", "-q", "-c", world.nginx.conf], { reject: false, env: world.env, extendEnv: false });
  if (test.exitCode !== 0) violations.push(`nginx -t fails: ${test.stderr.trim()}`);
  const processes = await readNginxProcesses(world.nginx.pidFile).catch(() => undefined);
  if (processes?.master !== expected.master) violations.push(`nginx master is ${processes?.master ?? "gone"}, not ${expected.master}`);

  const liveRoot = path.join(world.dirs.letsencryptDir, "live");
  const lineages = existsSync(liveRoot) ? (await readdir(liveRoot)).filter((name) => !name.startsWith(".") && name !== "README") : [];
  const lineageCerts = new Map<string, Set<string>>();
  for (const name of lineages) {
    const links = await Promise.all(KINDS.map((kind) => readlink(path.join(liveRoot, name, `${kind}.pem`)).catch(() => "")));
    const versions = links.map((link) => /(\d+)\.pem$/.exec(link)?.[1]);
    if (versions.some((version) => version === undefined || version !== versions[0])) {
      violations.push(`live/${name} points at mixed versions: ${links.join(", ")}`);
      continue;
    }
    const missing = KINDS.filter((kind) => !existsSync(path.join(liveRoot, name, `${kind}.pem`)));
    if (missing.length > 0) violations.push(`live/${name}: version ${versions[0]} is incomplete (${missing.join(", ")} missing)`);
    const archive = path.join(world.dirs.letsencryptDir, "archive", name);
    const certs = new Set<string>();
    for (const file of (await readdir(archive).catch(() => [] as string[])).filter((file) => /^cert\d+\.pem$/.test(file))) {
      certs.add(new X509Certificate(await readFile(path.join(archive, file))).fingerprint256);
    }
    lineageCerts.set(name, certs);
  }

  for (const site of expected.sites) {
    try {
      const served = await fetchServedCertificate({ port: world.ports.https, servername: site.domain });
      // A completed handshake means nginx loaded the certificate with its own key.
      if (!lineageCerts.get(site.lineage)?.has(served.fingerprint256)) violations.push(`${site.domain}: nginx serves a certificate that is not one of ${site.lineage}'s`);
    } catch (error) {
      violations.push(`${site.domain}: no TLS handshake (${error instanceof Error ? error.message : String(error)})`);
    }
  }

  for (const [file, hash] of expected.userFiles) {
    const now = existsSync(file) ? createHash("sha256").update(await readFile(file)).digest("hex") : "missing";
    if (now !== hash) violations.push(`${file} (not ngcert's) changed`);
  }

  const status = await runNgcert(world, ["status", "--json"]);
  let report: { certificates: Array<{ name: string; serial: string | null; problems: Array<{ code: string }> }> } | undefined;
  try {
    report = JSON.parse(status.stdout) as typeof report;
  } catch {
    violations.push(`ngcert status --json printed no JSON (exit ${status.exitCode}): ${status.stderr.trim()}`);
  }
  for (const name of lineages) {
    const entry = report?.certificates.find((cert) => cert.name === name);
    if (!entry) {
      if (report) violations.push(`ngcert status does not list ${name}`);
      continue;
    }
    let truth: { serial: string; keyMatches: boolean } | undefined;
    try {
      const cert = new X509Certificate(await readFile(path.join(liveRoot, name, "cert.pem")));
      const key = createPublicKey(createPrivateKey(await readFile(path.join(liveRoot, name, "privkey.pem"))));
      truth = { serial: cert.serialNumber.toLowerCase().replace(/^0+/, ""), keyMatches: cert.publicKey.export({ type: "spki", format: "der" }).equals(key.export({ type: "spki", format: "der" })) };
    } catch {
      truth = undefined;
    }
    const codes = entry.problems.map((problem) => problem.code);
    if (truth === undefined) {
      if (!codes.includes("UNREADABLE")) violations.push(`ngcert status says nothing of ${name}'s unreadable files`);
      continue;
    }
    if ((entry.serial ?? "").replace(/^0+/, "") !== truth.serial) violations.push(`ngcert status shows serial ${entry.serial} for ${name}, live/ holds ${truth.serial}`);
    if (truth.keyMatches === codes.includes("KEY_MISMATCH")) violations.push(`ngcert status is wrong about ${name}'s key (${codes.join(",") || "no problem"})`);
  }
  return violations;
}
