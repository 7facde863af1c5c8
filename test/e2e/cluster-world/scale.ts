// How distribution scales with nodes × lineages, measured in the namespace world (scripts/cluster-scale.sh runs it):
// for each cluster size, lineages are made on the issuer (certbot's layout, a throw-away CA: no order at the CA, so
// only ngcert's own work is timed), then timed with `ngcert cluster sync` on the issuer:
//   first    — every lineage to every other node (installed, verified on disk: no site uses them yet)
//   no-op    — every node asked, every lineage in sync, nothing sent
//   one      — one lineage renewed on the issuer: installed, nginx -t, reload, handshake on every node
//   all      — every lineage renewed at once: the same, for all of them in one reload per node
// Usage: npx tsx test/e2e/cluster-world/scale.ts [--nodes 3,5] [--lineages 1,20,100]
import { mkdir, readdir, rename, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { issueServerCertificate, makeCertificateAuthority, type IssuedCertificate } from "../../../src/certs/issue-certificate.js";
import { startClusterWorld, type ClusterWorld } from "./cluster-world.js";
import { servedByNode } from "./checks.js";

const arg = (name: string, fallback: string): number[] => {
  const index = process.argv.indexOf(`--${name}`);
  return (index >= 0 ? process.argv[index + 1]! : fallback).split(",").map(Number);
};
const NODE_COUNTS = arg("nodes", "3,5");
const LINEAGE_COUNTS = arg("lineages", "1,20,100");
const DAY = 86_400_000;

const ca = makeCertificateAuthority({ notBefore: new Date(Date.now() - DAY), notAfter: new Date(Date.now() + 400 * DAY), commonName: "ngcert scale CA", organization: "ngcert scale" });

async function writeVersion(letsencryptDir: string, name: string, version: number, leaf: IssuedCertificate): Promise<void> {
  const archive = path.join(letsencryptDir, "archive", name);
  const live = path.join(letsencryptDir, "live", name);
  await mkdir(archive, { recursive: true });
  await mkdir(live, { recursive: true });
  const files = { cert: leaf.pem, chain: ca.pem, fullchain: `${leaf.pem}${ca.pem}`, privkey: leaf.keyPem };
  for (const [kind, text] of Object.entries(files)) {
    await writeFile(path.join(archive, `${kind}${version}.pem`), text, { mode: kind === "privkey" ? 0o600 : 0o644 });
    const link = path.join(live, `${kind}.pem`);
    await symlink(`../../archive/${name}/${kind}${version}.pem`, `${link}.new`);
    await rename(`${link}.new`, link);
  }
}

function leafFor(name: string, offsetMs: number): IssuedCertificate {
  return issueServerCertificate({ notBefore: new Date(Date.now() - 60_000 + offsetMs), notAfter: new Date(Date.now() + 90 * DAY), issuer: ca, dnsNames: [name], ipAddresses: [], organization: "ngcert scale" });
}

async function makeLineage(world: ClusterWorld, name: string, account: string): Promise<void> {
  const node = world.node("web1");
  const dir = node.letsencryptDir;
  await writeVersion(dir, name, 1, leafFor(name, 0));
  const live = path.join(dir, "live", name);
  const conf = [
    "version = 2.1.0",
    `archive_dir = ${path.join(dir, "archive", name)}`,
    `cert = ${live}/cert.pem`,
    `privkey = ${live}/privkey.pem`,
    `chain = ${live}/chain.pem`,
    `fullchain = ${live}/fullchain.pem`,
    "",
    "[renewalparams]",
    `account = ${account}`,
    "authenticator = webroot",
    `webroot_path = ${node.webroot},`,
    `server = ${world.pebble.directoryUrl}`,
    "key_type = ecdsa",
    "[[webroot_map]]",
    `${name} = ${node.webroot}`,
    "",
  ].join("\n");
  await mkdir(path.join(dir, "renewal"), { recursive: true });
  await writeFile(path.join(dir, "renewal", `${name}.conf`), conf);
}

/** New versions on the issuer, served there as certbot's deploy hook would leave them (not timed). */
async function renew(world: ClusterWorld, names: readonly string[], version: number): Promise<void> {
  for (const name of names) await writeVersion(world.node("web1").letsencryptDir, name, version, leafFor(name, version * 1_000));
  const reload = await world.ngcert("web1", ["reload"], { timeoutMs: 30 * 60_000 });
  if (reload.exitCode !== 0) throw new Error(`reload on web1 failed: ${reload.stderr}`);
}

async function timed(world: ClusterWorld, args: string[]): Promise<number> {
  const run = await world.ngcert("web1", args, { timeoutMs: 30 * 60_000 });
  if (run.exitCode !== 0) throw new Error(`ngcert ${args.join(" ")} failed: ${run.stderr}`);
  return run.durationMs / 1000;
}

const rows: string[] = [];
for (const nodeCount of NODE_COUNTS) {
  const names = Array.from({ length: nodeCount }, (_, index) => `web${index + 1}`);
  const world = await startClusterWorld({ nodes: names, issuer: "web1" });
  try {
    const init = await world.ngcert("web1", ["cluster", "init"]);
    if (init.exitCode !== 0) throw new Error(`cluster init failed: ${init.stderr}`);
    const account = (await readdir(path.join(world.node("web1").letsencryptDir, "accounts"), { recursive: true })).map(String).find((entry) => /(^|\/)[0-9a-f]{32}$/.test(entry))!.split("/").pop()!;
    let made = 0;
    let version = 1;
    for (const lineageCount of LINEAGE_COUNTS) {
      const fresh: string[] = [];
      for (; made < lineageCount; made++) {
        const name = `s${made + 1}.scale.test`;
        await makeLineage(world, name, account);
        fresh.push(name);
      }
      const all = Array.from({ length: lineageCount }, (_, index) => `s${index + 1}.scale.test`);
      const first = await timed(world, ["cluster", "sync"]);
      // The operator's sites, on every node, for the new lineages.
      for (const node of world.nodes) for (const name of fresh) await world.writeSite(node.name, name, [name]);
      for (const node of world.nodes) {
        const reload = await world.ngcert(node.name, ["reload"], { timeoutMs: 30 * 60_000 });
        if (reload.exitCode !== 0) throw new Error(`reload on ${node.name} failed: ${reload.stderr}`);
      }
      const noop = await timed(world, ["cluster", "sync"]);
      version++;
      await renew(world, [all[0]!], version);
      const one = await timed(world, ["cluster", "sync"]);
      version++;
      await renew(world, all, version);
      const every = await timed(world, ["cluster", "sync"]);
      // Converged means served: every node presents the issuer's newest certificate for a sample of names.
      for (const name of [all[0]!, all[all.length - 1]!]) {
        const served = await servedByNode(world, name);
        if (new Set(Object.values(served)).size !== 1) throw new Error(`${name} not converged: ${JSON.stringify(served)}`);
      }
      const row = `| ${nodeCount} | ${lineageCount} | ${first.toFixed(1)} | ${noop.toFixed(1)} | ${one.toFixed(1)} | ${every.toFixed(1)} |`;
      rows.push(row);
      console.error(row);
    }
  } finally {
    await world.stop();
  }
}
console.log("| nodes | lineages | first push (s) | no-op sync (s) | one renewed (s) | all renewed (s) |");
console.log("|---|---|---|---|---|---|");
for (const row of rows) console.log(row);
