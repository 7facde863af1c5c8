// Generates a letsencrypt dir full of lineages in the states certbot and people leave them in: names of every kind
// (CN only, IPv6, raw UTF-8, wildcards, labels certbot refuses), every key certbot makes, broken and odd files, live/
// links that are copies, dangle, mix versions or live elsewhere, renamed lineages, editor files in renewal/, orphan
// live/ directories, and renewal confs written by configobj (generated values, then sometimes damaged). The
// differential test then asks certbot and ngcert about the same tree.
import { execFileSync } from "node:child_process";
import { copyFile, mkdir, readFile, rm, symlink, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Random } from "../../helpers/random.js";
import { days, makeCa, makeKey, makeLeaf, type KeyAlgorithm, type LeafOptions, type TestCert, type TestKey } from "../../helpers/pki.js";
import { mutate } from "./mutate-conf-bytes.js";
import { generateConfSpec, type ConfSpec } from "./renewal-conf-spec.js";

export interface CertPool {
  root: TestCert;
  intermediate: TestCert;
  /** Same subject as `intermediate`, another key. */
  impostor: TestCert;
  keys: Map<KeyAlgorithm, TestKey[]>;
}

const KEY_WEIGHTS: [KeyAlgorithm, number][] = [
  ["ecdsa-p256", 10],
  ["ecdsa-p384", 3],
  ["ecdsa-p521", 2],
  ["rsa-2048", 4],
  ["rsa-3072", 1],
  ["rsa-4096", 1],
  ["rsa-1024", 1],
];

export async function makeCertPool(): Promise<CertPool> {
  const root = await makeCa({ name: "Differential Root" });
  const intermediate = await makeCa({ name: "Differential R1", issuer: root });
  const impostor = await makeCa({ name: "Differential R1", issuer: await makeCa({ name: "Other Root" }) });
  const keys = new Map<KeyAlgorithm, TestKey[]>();
  // Keys are slow to make (RSA 4096 above all) and any number of certificates can share one.
  for (const [algorithm] of KEY_WEIGHTS) keys.set(algorithm, await Promise.all([makeKey(algorithm), makeKey(algorithm)]));
  return { root, intermediate, impostor, keys };
}

export interface GeneratedLineage {
  /** The name certbot and ngcert list it under. */
  name: string;
  /** What was done to it, for failure messages. */
  labels: string[];
  /** The renewal conf, absent for an orphan live/ directory. */
  confPath: string | undefined;
}

export interface GeneratedTree {
  lineages: GeneratedLineage[];
  /** live/ directories no conf points at: ngcert lists them, certbot does not know them. */
  orphans: string[];
  /** renewal/ entries certbot's glob skips, which ngcert must skip too. */
  ignored: string[];
}

/** Writes the confs (configobj does it: see oracle/configobj_oracle.py "write"); returns the ids it could write. */
export type ConfWriter = (confs: (ConfSpec & { id: string; file: string })[]) => Promise<Set<string>>;

type Weighted<T> = [T, number][];
function weighted<T>(random: Random, items: Weighted<T>): T {
  let roll = random.next() * items.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [item, weight] of items) {
    roll -= weight;
    if (roll < 0) return item;
  }
  return items[items.length - 1]![0];
}

type NameKind = "normal" | "cnOnly" | "cnNotInSan" | "ipv6" | "ipv4AndDns" | "utf8" | "upper" | "wildcard" | "longLabel" | "trailingDot" | "ipCommonName" | "emptyLabel";
type FileKind = "ok" | "certWithChain" | "certWithKey" | "keyMismatch" | "chainImpostor" | "fullchainLeafOnly" | "crlf" | "garbageCert" | "garbageKey" | "sha1";
type LayoutKind = "relative" | "absolute" | "oneCopy" | "allCopies" | "missing" | "dangling" | "notArchiveName" | "mixedCommon" | "mixedNoCommon" | "elsewhere" | "renamed";

const NAME_KINDS: Weighted<NameKind> = [
  ["normal", 20], ["cnOnly", 2], ["cnNotInSan", 1], ["ipv6", 2], ["ipv4AndDns", 1], ["utf8", 1], ["upper", 1], ["wildcard", 1], ["longLabel", 1], ["trailingDot", 1], ["ipCommonName", 1], ["emptyLabel", 1],
];
const FILE_KINDS: Weighted<FileKind> = [
  ["ok", 20], ["certWithChain", 1], ["certWithKey", 1], ["keyMismatch", 1], ["chainImpostor", 1], ["fullchainLeafOnly", 1], ["crlf", 1], ["garbageCert", 1], ["garbageKey", 1], ["sha1", 1],
];
const LAYOUT_KINDS: Weighted<LayoutKind> = [
  ["relative", 16], ["absolute", 2], ["oneCopy", 1], ["allCopies", 1], ["missing", 1], ["dangling", 1], ["notArchiveName", 1], ["mixedCommon", 1], ["mixedNoCommon", 1], ["elsewhere", 2], ["renamed", 2],
];
const KINDS = ["cert", "chain", "fullchain", "privkey"] as const;

function leafOptions(kind: NameKind, domain: string, index: number): Omit<LeafOptions, "issuer"> {
  const v6 = new Uint8Array([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, index >> 8, index & 0xff]);
  switch (kind) {
    case "normal":
      return { domains: [domain, `www.${domain}`] };
    case "cnOnly":
      return { domains: [domain], noSan: true };
    case "cnNotInSan":
      return { domains: [domain], commonName: `cn.${domain}` };
    case "ipv6":
      return { domains: [], commonName: null, rawSan: { ip: [v6] } };
    case "ipv4AndDns":
      return { domains: [domain], ipAddresses: [`192.0.2.${index % 250}`] };
    case "utf8":
      return { domains: [], commonName: null, rawSan: { dns: [`bücher-${index}.example`] } };
    case "upper":
      return { domains: [domain.toUpperCase()] };
    case "wildcard":
      return { domains: [`*.${domain}`, domain] };
    case "longLabel":
      return { domains: [], commonName: null, rawSan: { dns: [`${"a".repeat(64)}.${domain}`] } };
    case "trailingDot":
      return { domains: [], commonName: null, rawSan: { dns: [`${domain}.`] } };
    case "ipCommonName":
      return { domains: [], commonName: `192.0.2.${index % 250}`, ipAddresses: [`192.0.2.${index % 250}`] };
    case "emptyLabel":
      return { domains: [], commonName: null, rawSan: { dns: [`a..${domain}`] } };
  }
}

/** Generates `count` lineages (and the extras) in `le`. */
export async function generateLineageTree(le: string, random: Random, count: number, pool: CertPool, writeConfs: ConfWriter): Promise<GeneratedTree> {
  const tree: GeneratedTree = { lineages: [], orphans: [], ignored: [] };
  const confs: (ConfSpec & { id: string; file: string; mutateAfter: boolean })[] = [];
  await mkdir(path.join(le, "renewal"), { recursive: true });
  const now = Date.now();
  const validity = { notBefore: new Date(now - days(2)), notAfter: new Date(now + days(400)) };

  for (let i = 0; i < count; i++) {
    const nameKind = weighted(random, NAME_KINDS);
    const fileKind = weighted(random, FILE_KINDS);
    const layout = weighted(random, LAYOUT_KINDS);
    const algorithm = weighted(random, KEY_WEIGHTS);
    // Lineage names are file names; a few are not ASCII. The certificate's names are its own.
    const name = random.chance(0.05) ? `l${i}-ünï.example` : `l${i}.example`;
    const domain = `l${i}.example`;
    const labels: string[] = [nameKind, fileKind, layout, algorithm];
    const key = random.pick(pool.keys.get(algorithm)!);
    const leaf = await makeLeaf({ ...leafOptions(nameKind, domain, i), issuer: pool.intermediate, key, ...validity, ...(fileKind === "sha1" ? { signatureHash: "SHA-1" } : {}) });
    const otherKey = random.pick(pool.keys.get(algorithm)!.filter((candidate) => candidate !== key));

    // Files, as certbot writes them unless the case says otherwise.
    const chainPem = (fileKind === "chainImpostor" ? pool.impostor : pool.intermediate).pem;
    let certPem = leaf.pem;
    if (fileKind === "certWithChain") certPem = leaf.pem + pool.intermediate.pem;
    if (fileKind === "certWithKey") certPem = leaf.pem + key.privateKeyPem;
    if (fileKind === "garbageCert") certPem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
    const contents: Record<(typeof KINDS)[number], string> = {
      cert: certPem,
      chain: chainPem,
      fullchain: fileKind === "fullchainLeafOnly" ? leaf.pem : leaf.pem + chainPem,
      privkey: fileKind === "keyMismatch" ? otherKey.privateKeyPem : fileKind === "garbageKey" ? "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" : key.privateKeyPem,
    };
    if (fileKind === "crlf") for (const kind of ["cert", "chain", "fullchain"] as const) contents[kind] = contents[kind].replace(/\n/g, "\r\n");

    const liveName = layout === "renamed" ? `old-${name}` : name;
    const archive = path.join(le, "archive", liveName);
    const live = layout === "elsewhere" ? path.join(le, "custom", liveName) : path.join(le, "live", liveName);
    await mkdir(archive, { recursive: true });
    await mkdir(live, { recursive: true });
    const versions = layout === "mixedCommon" || layout === "mixedNoCommon" ? [1, 2] : [1];
    for (const version of versions) for (const kind of KINDS) await writeFile(path.join(archive, `${kind}${version}.pem`), contents[kind], { mode: kind === "privkey" ? 0o600 : 0o644 });
    for (const kind of KINDS) {
      const version = (layout === "mixedCommon" || layout === "mixedNoCommon") && kind === "cert" ? 2 : 1;
      const target = path.join(archive, `${kind}${version}.pem`);
      const link = path.join(live, `${kind}.pem`);
      await symlink(layout === "absolute" ? target : path.relative(live, target), link);
    }
    if (layout === "mixedNoCommon") {
      await rm(path.join(archive, "cert1.pem"));
      for (const kind of ["chain", "fullchain", "privkey"]) await rm(path.join(archive, `${kind}2.pem`));
    }
    if (layout === "oneCopy" || layout === "allCopies") {
      for (const kind of layout === "oneCopy" ? [random.pick(KINDS)] : KINDS) {
        await unlink(path.join(live, `${kind}.pem`));
        await copyFile(path.join(archive, `${kind}1.pem`), path.join(live, `${kind}.pem`));
      }
    }
    if (layout === "missing") await unlink(path.join(live, `${random.pick(KINDS)}.pem`));
    if (layout === "dangling") await rm(path.join(archive, `${random.pick(KINDS)}1.pem`));
    if (layout === "notArchiveName") {
      const kind = random.pick(KINDS);
      await copyFile(path.join(archive, `${kind}1.pem`), path.join(archive, `${kind}.pem`));
      await unlink(path.join(live, `${kind}.pem`));
      await symlink(path.join("..", "..", "archive", liveName, `${kind}.pem`), path.join(live, `${kind}.pem`));
    }

    // The conf: certbot's usual fields, sometimes generated values of every kind, sometimes damaged afterwards.
    const domains = leafOptions(nameKind, domain, i).domains;
    const base: ConfSpec = {
      root: {
        version: "2.1.0",
        archive_dir: archive,
        cert: path.join(live, "cert.pem"),
        privkey: path.join(live, "privkey.pem"),
        chain: path.join(live, "chain.pem"),
        fullchain: path.join(live, "fullchain.pem"),
      },
      renewalparams: {
        account: "0123456789abcdef0123456789abcdef",
        authenticator: "webroot",
        webroot_path: ["/var/www/acme-challenge"],
        server: "https://acme-v02.api.letsencrypt.org/directory",
        key_type: algorithm.startsWith("rsa") ? "rsa" : "ecdsa",
      },
      webroot_map: Object.fromEntries((domains.length > 0 ? domains : [name]).map((domain) => [domain, "/var/www/acme-challenge"])),
    };
    let spec = base;
    if (random.chance(0.35)) {
      labels.push("generatedConf");
      const generated = generateConfSpec(random, { live, archive });
      spec = { root: generated.root, renewalparams: generated.renewalparams, ...(generated.webroot_map ? { webroot_map: generated.webroot_map } : {}) };
    }
    const mutateAfter = random.chance(0.12);
    if (mutateAfter) labels.push("mutatedConf");
    // A renamed lineage (certbot's rename moves only the conf) keeps its old live/ and archive/ directories.
    const file = path.join(le, "renewal", `${name}.conf`);
    confs.push({ id: String(i), file, mutateAfter, ...spec });
    tree.lineages.push({ name, labels, confPath: file });
  }

  const written = await writeConfs(confs.map(({ mutateAfter: _, ...conf }) => conf));
  for (const conf of confs) {
    const lineage = tree.lineages[Number(conf.id)]!;
    if (!written.has(conf.id)) {
      // configobj could not write these values, so certbot never could: this lineage gets certbot's usual conf.
      lineage.labels.push("unwritable");
      continue;
    }
    if (conf.mutateAfter) {
      const { bytes, names } = mutate(await readFile(conf.file), random);
      lineage.labels.push(...names);
      await writeFile(conf.file, bytes);
    }
  }
  await addExtras(le, tree, random, pool, validity);
  return tree;
}

/** renewal/ entries certbot skips or cannot read, and live/ directories without a conf. */
async function addExtras(le: string, tree: GeneratedTree, random: Random, pool: CertPool, validity: { notBefore: Date; notAfter: Date }): Promise<void> {
  const renewal = path.join(le, "renewal");
  const first = tree.lineages[0]?.name ?? "none";
  // Emacs' lock file is a dangling symlink; vim's swap file and backups do not end in .conf.
  await symlink("root@host.4242:1700000000", path.join(renewal, `.#${first}.conf`));
  await writeFile(path.join(renewal, `.${first}.conf.swp`), "binary swap\u0000");
  await writeFile(path.join(renewal, `${first}.conf~`), "old copy\n");
  await writeFile(path.join(renewal, `${first}.CONF`), "not matched: the glob is case-sensitive\n");
  tree.ignored.push(`.#${first}.conf`, `.${first}.conf.swp`, `${first}.conf~`, `${first}.CONF`);
  // Matched by the glob but not a file: configobj reads them as empty confs.
  await mkdir(path.join(renewal, "a-directory.conf"));
  await symlink("nowhere.conf", path.join(renewal, "dangling-link.conf"));
  tree.lineages.push({ name: "a-directory", labels: ["confIsDirectory"], confPath: path.join(renewal, "a-directory.conf") });
  tree.lineages.push({ name: "dangling-link", labels: ["confIsDanglingLink"], confPath: path.join(renewal, "dangling-link.conf") });
  // Nor are a FIFO (reading it would wait for a writer forever) and a link to a device (reading it would never end):
  // configobj reads a file only when os.path.isfile says so.
  execFileSync("mkfifo", [path.join(renewal, "a-fifo.conf")]);
  await symlink("/dev/zero", path.join(renewal, "endless-device.conf"));
  tree.lineages.push({ name: "a-fifo", labels: ["confIsFifo"], confPath: path.join(renewal, "a-fifo.conf") });
  tree.lineages.push({ name: "endless-device", labels: ["confIsDevice"], confPath: path.join(renewal, "endless-device.conf") });
  // A live/ directory with certificate files and no conf anywhere.
  const orphan = path.join(le, "live", "orphan.example");
  await mkdir(orphan, { recursive: true });
  const leaf = await makeLeaf({ domains: ["orphan.example"], issuer: pool.intermediate, key: random.pick(pool.keys.get("ecdsa-p256")!), ...validity });
  await writeFile(path.join(orphan, "cert.pem"), leaf.pem);
  await writeFile(path.join(orphan, "chain.pem"), pool.intermediate.pem);
  await writeFile(path.join(orphan, "fullchain.pem"), leaf.pem + pool.intermediate.pem);
  await writeFile(path.join(orphan, "privkey.pem"), leaf.key.privateKeyPem);
  tree.orphans.push("orphan.example");
  tree.lineages.push({ name: "orphan.example", labels: ["orphanLiveDir"], confPath: undefined });
  // Not directories: never lineages.
  await writeFile(path.join(le, "live", "README"), "This directory contains your keys and certificates.\n");
}
