// Differential test of `ngcert status --json` against the system certbot on generated letsencrypt dirs
// (generate/lineage-cases.ts): the lineages listed, which ones `certbot renew` would skip or fail (and certbot's reason,
// which ngcert must quote), and what `certbot certificates` shows for the others (names, serial, expiry, key type, and
// whether it calls them invalid). NGCERT_DIFFERENTIAL=full runs the big tree; NGCERT_DIFF_SEED=n replays one.
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseIpAddress } from "../../src/certs/ip-address.js";
import { findCertbotPython, oracleCheck, runOracle } from "../helpers/certbot-python.js";
import { createRandom, differentialSize, runSeed } from "../helpers/random.js";
import { runNgcert } from "../helpers/run-cli.js";
import { generateLineageTree, makeCertPool, type GeneratedTree } from "./generate/lineage-cases.js";
import { askCertbot, type CertbotVerdicts } from "./oracle/certbot-verdicts.js";

const ORACLE = fileURLToPath(new URL("./oracle/configobj_oracle.py", import.meta.url));
const check = oracleCheck();
const seed = runSeed();
const count = differentialSize(50, 600);

interface Certificate {
  name: string;
  domains: string[];
  notAfter: string | null;
  serial: string | null;
  keyType: string | null;
  problems: { code: string; message: string }[];
}

let root: string;
let tree: GeneratedTree;
let ngcert: Certificate[];
let certbot: CertbotVerdicts;
/** live/ directories no conf points into, by configobj's reading of every conf. */
let orphans: string[];

beforeAll(async () => {
  if (check.skip) return;
  root = await mkdtemp(path.join(tmpdir(), "ngcert-lineage-diff-"));
  const le = path.join(root, "letsencrypt");
  await mkdir(le);
  const random = createRandom(seed);
  const pool = await makeCertPool();
  tree = await generateLineageTree(le, random, count, pool, async (confs) => {
    const answers = await runOracle<Record<string, { ok: true } | { error: string }>>(ORACLE, { op: "write", cases: confs });
    return new Set(Object.entries(answers).filter(([, answer]) => "ok" in answer).map(([id]) => id));
  });
  const confs = tree.lineages.filter((lineage) => lineage.confPath !== undefined).map((lineage) => ({ id: lineage.name, file: lineage.confPath! }));
  const pointsAt = await runOracle<Record<string, Record<string, string>>>(ORACLE, { op: "paths", files: confs });
  const used = new Set(Object.values(pointsAt).flatMap((kinds) => Object.values(kinds).map((file) => path.dirname(path.resolve("/", file)))));
  const named = new Set(confs.map((conf) => conf.id));
  orphans = (await readdir(path.join(le, "live"), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory() && !named.has(entry.name) && !used.has(path.join(le, "live", entry.name)))
    .map((entry) => entry.name);
  // ngcert first: certbot renew re-links live/ where a newer complete version waits in archive/.
  const result = await runNgcert(["status", "--json", "--letsencrypt-dir", le, "--cache-dir", path.join(root, "cache")], { now: new Date() });
  if (result.stderr !== "") throw new Error(`ngcert status wrote to stderr:\n${result.stderr}`);
  ngcert = (JSON.parse(result.stdout) as { certificates: Certificate[] }).certificates;
  const found = findCertbotPython();
  if (!("certbot" in found)) throw new Error(found.missing);
  certbot = await askCertbot(found.certbot, le);
}, 900_000);

afterAll(async () => {
  if (root && process.env.NGCERT_KEEP_DIFF !== "1") await rm(root, { recursive: true, force: true });
});

/** certbot's reason, in the form ngcert quotes it. */
function quotable(reason: string, confPath: string): string {
  return reason
    .trim()
    .replace(`error parsing ${confPath}`, "error parsing it")
    .replace(/^renewal config file [^]* is missing a required file reference$/, "missing a required file reference")
    .replace(/\.$/, "");
}

/** Whether ngcert's refusal carries certbot's reason (for a certificate OpenSSL cannot read: ngcert's own words). */
function quotes(message: string, reason: string, confPath: string): boolean {
  if (/^\[\('/.test(reason)) return message.includes("cannot read the certificate's names");
  return message.includes(quotable(reason, confPath));
}

/**
 * Disagreements with a known cause that ngcert cannot remove: an option of a certbot plugin that is not installed here
 * makes certbot renew fail, but which third-party plugins certbot has is not something status can know without
 * running certbot (its own plugins are judged).
 */
function explain(reason: string): string | undefined {
  const option = /^'Namespace' object has no attribute '([^']+)'$/.exec(reason)?.[1];
  if (option && !/^(manual|standalone|null|webroot)_/.test(option)) return `option ${option} of a certbot plugin that is not installed here`;
  return undefined;
}

/**
 * ngcert refusals certbot renew meets only when a certificate is due, which it never is here: live/ links outside the
 * lineage's archive dir (certbot writes the new version to the archive dir and re-links live/ to the old one; the
 * world test renews such a lineage with certbot to show it).
 */
function explainStricter(message: string): string | undefined {
  return message.includes("not into the lineage's archive directory") ? "live/ points outside the archive dir certbot renews into (seen only at renewal)" : undefined;
}

const isIp = (name: string): boolean => parseIpAddress(name) !== undefined;
const FILE_CODES = new Set(["UNREADABLE", "KEY_MISMATCH", "CHAIN_INVALID"]);
/** Problems nginx has with a certificate certbot is content with: a key or signature OpenSSL's security level refuses. */
const nginxOnly = (problem: { code: string; message: string }): boolean => problem.code === "UNREADABLE" && problem.message.includes("nginx refuses it");

describe.skipIf(check.skip)(`lineages as certbot sees them (seed ${seed})`, () => {
  it("agrees with certbot certificates and certbot renew on every generated lineage", () => {
    const disagreements: string[] = [];
    const explained: string[] = [];
    const byName = new Map(ngcert.map((cert) => [cert.name, cert]));
    const disagree = (name: string, what: string): void => {
      const labels = tree.lineages.find((lineage) => lineage.name === name)?.labels.join(",") ?? "?";
      disagreements.push(`${name} [${labels}]: ${what}`);
    };

    // The same lineages: certbot's confs plus the live/ directories no conf points into (the generated orphan, and
    // the old directory of a renamed lineage whose conf was damaged), none of renewal/'s ignored files.
    const confNames = tree.lineages.filter((lineage) => lineage.confPath !== undefined).map((lineage) => lineage.name);
    const processedNames = certbot.processed.map((conf) => path.basename(conf, ".conf"));
    expect(processedNames.sort()).toEqual([...confNames].sort());
    expect(orphans).toEqual(expect.arrayContaining(tree.orphans));
    expect([...byName.keys()].sort()).toEqual([...confNames, ...orphans].sort());

    let compared = 0;
    for (const lineage of tree.lineages) {
      const cert = byName.get(lineage.name)!;
      const refusal = cert.problems.find((problem) => problem.code === "RENEWAL_CONF_INVALID");
      if (lineage.confPath === undefined) continue;
      compared++;
      const renew = certbot.renew.get(lineage.confPath);
      if (!renew) {
        disagree(lineage.name, "certbot renew did not process it");
        continue;
      }
      if (renew.outcome === "not-due" && refusal) {
        const known = explainStricter(refusal.message);
        if (known) explained.push(`${lineage.name}: ${known}`);
        else disagree(lineage.name, `certbot renew accepts it, ngcert says: ${refusal.message}`);
      }
      if (renew.outcome !== "not-due") {
        const known = explain(renew.reason);
        if (!refusal && known) explained.push(`${lineage.name}: ${known}`);
        else if (!refusal) disagree(lineage.name, `certbot renew: ${renew.outcome}: ${renew.reason}; ngcert has no RENEWAL_CONF_INVALID`);
        else if (known) explained.push(`${lineage.name}: ${known} (ngcert names the next reason certbot would give)`);
        else if (!quotes(refusal.message, renew.reason, lineage.confPath)) {
          disagree(lineage.name, `certbot's reason ${JSON.stringify(renew.reason)} is not in ngcert's ${JSON.stringify(refusal.message)}`);
        }
      }

      const listed = certbot.listed.get(lineage.name);
      const invalid = certbot.invalid.has(lineage.confPath);
      const crashedOn = certbot.certificatesCrash?.confs.get(lineage.confPath);
      if (crashedOn && !refusal) disagree(lineage.name, `certbot certificates crashes on it (${crashedOn}), ngcert finds nothing wrong with its conf`);
      if (!listed && !invalid && !crashedOn) disagree(lineage.name, "certbot certificates neither lists it nor calls it invalid");
      if (invalid && !cert.problems.some((problem) => problem.code === "RENEWAL_CONF_INVALID" || FILE_CODES.has(problem.code))) {
        disagree(lineage.name, `certbot certificates calls it invalid, ngcert finds no problem with its conf or files (${cert.problems.map((p) => p.code).join(",")})`);
      }
      if (listed) {
        const fileProblems = cert.problems.filter((problem) => FILE_CODES.has(problem.code) && !nginxOnly(problem));
        if (fileProblems.length > 0) disagree(lineage.name, `certbot certificates lists it as valid, ngcert: ${fileProblems.map((p) => `${p.code}: ${p.message}`).join("; ")}`);
        const domains = cert.domains.filter((name) => !isIp(name) || listed.domains.includes(name));
        if (JSON.stringify(domains) !== JSON.stringify(listed.domains)) disagree(lineage.name, `domains: certbot ${JSON.stringify(listed.domains)}, ngcert ${JSON.stringify(cert.domains)}`);
        if (cert.serial === null || BigInt(`0x${cert.serial}`) !== BigInt(`0x${listed.serial}`)) disagree(lineage.name, `serial: certbot ${listed.serial}, ngcert ${cert.serial}`);
        if (cert.notAfter === null || Date.parse(cert.notAfter) !== Date.parse(listed.expiry.replace(" ", "T"))) disagree(lineage.name, `expiry: certbot ${listed.expiry}, ngcert ${cert.notAfter}`);
        if (!cert.keyType?.startsWith(listed.keyType.toLowerCase())) disagree(lineage.name, `key type: certbot ${listed.keyType}, ngcert ${cert.keyType}`);
      }
    }
    for (const name of orphans) {
      if (!byName.get(name)!.problems.some((problem) => problem.message.includes("certbot will never renew"))) disagree(name, "an orphan live/ directory without the no-conf problem");
    }
    const refused = [...certbot.renew.values()].filter((renew) => renew.outcome !== "not-due").length;
    console.log(
      `certbot differential: lineages: ${compared} generated lineages (+${orphans.length} orphan live/ dirs, ${tree.ignored.length} ignored files), ` +
        `certbot renew refused ${refused}, certbot certificates listed ${certbot.listed.size} and called ${certbot.invalid.size} invalid; ` +
        `${certbot.certificatesCrash ? `(the certbot certificates command crashed: ${certbot.certificatesCrash.error}; its code, run lineage by lineage, crashes on ${certbot.certificatesCrash.confs.size}) ` : ""}` +
        `${disagreements.length} disagreements, ${explained.length} explained (${explained.join("; ") || "none"}), seed ${seed}`,
    );
    for (const line of disagreements.slice(0, 10)) console.log(line);
    // Both verdicts occur, or the generator has stopped testing one side.
    expect(refused).toBeGreaterThan(0);
    expect(certbot.listed.size).toBeGreaterThan(compared / 5);
    expect(disagreements.slice(0, 5)).toEqual([]);
  });
});
