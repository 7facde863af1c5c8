// Every problem code through `ngcert status --json`, all in one letsencrypt dir: each broken lineage reports its code,
// the clean ones stay clean and visible, nothing prints a stack trace, and the exit code is 1.
import { createPrivateKey } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parsePem } from "../../src/certs/pem.js";
import { toPem } from "../helpers/der-edit.js";
import { writeLineage, type LineageSpec } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type KeyAlgorithm, type TestCert } from "../helpers/pki.js";
import { FIXED_NOW, runNgcert, type CliResult } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

interface Certificate {
  name: string;
  keyType: string | null;
  problems: { code: string; message: string }[];
}

const at = (offsetDays: number): Date => new Date(FIXED_NOW.getTime() + days(offsetDays));
const pkcs1 = (cert: TestCert): string => String(createPrivateKey(cert.key.privateKeyPem).export({ type: "pkcs1", format: "pem" }));
const sec1 = (cert: TestCert): string => String(createPrivateKey(cert.key.privateKeyPem).export({ type: "sec1", format: "pem" }));

/** Each lineage and the problem codes it must report; [] means clean. */
const expected: Record<string, string[]> = {};
let workspace: Workspace;
let result: CliResult;
let byName: Map<string, Certificate>;

beforeAll(async () => {
  workspace = await createWorkspace();
  const le = workspace.letsencryptDir;
  const intermediate = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Test Root X1" }) });
  const impostor = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Other Root" }) });
  const leaf = (name: string, algorithm: KeyAlgorithm = "ecdsa-p256", leftDays = 60, lifetime = 90) =>
    makeLeaf({ domains: [name], issuer: intermediate, algorithm, notBefore: at(leftDays - lifetime), notAfter: at(leftDays) });
  const ec = await leaf("ec.example");
  const p384 = await leaf("p384.example", "ecdsa-p384");
  const rsa = await leaf("rsa.example", "rsa-2048");
  const otherEc = await leaf("other.example");
  const otherRsa = await leaf("other-rsa.example", "rsa-2048");

  const add = async (name: string, codes: string[], spec: Omit<LineageSpec, "name" | "chain"> & { chain?: TestCert[] }) => {
    expected[name] = codes;
    await writeLineage(le, { name, chain: [intermediate], ...spec });
  };
  await add("clean-ec-p256", [], { leaf: ec });
  await add("clean-ec-p384", [], { leaf: p384 });
  await add("clean-rsa", [], { leaf: rsa });
  await add("clean-rsa-pkcs1", [], { leaf: rsa, files: { privkey: pkcs1(rsa) } });
  await add("clean-ec-sec1", [], { leaf: ec, files: { privkey: sec1(ec) } });
  await add("clean-p384-sec1", [], { leaf: p384, files: { privkey: sec1(p384) } });
  await add("expired", ["EXPIRED"], { leaf: await leaf("expired.example", "ecdsa-p256", -1) });
  await add("expiring-90", ["EXPIRING"], { leaf: await leaf("expiring.example", "ecdsa-p256", 14.9) });
  await add("expiring-6", ["EXPIRING"], { leaf: await leaf("short.example", "ecdsa-p256", 0.9, 6) });
  await add("fine-6", [], { leaf: await leaf("short-fine.example", "ecdsa-p256", 1.1, 6) });
  await add("not-yet-valid", ["NOT_YET_VALID"], { leaf: await leaf("future.example", "ecdsa-p256", 91) });
  await add("key-mismatch", ["KEY_MISMATCH"], { leaf: ec, files: { privkey: otherEc.key.privateKeyPem } });
  await add("key-mismatch-pkcs1", ["KEY_MISMATCH"], { leaf: rsa, files: { privkey: pkcs1(otherRsa) } });
  await add("key-mismatch-sec1", ["KEY_MISMATCH"], { leaf: ec, files: { privkey: sec1(otherEc) } });
  await add("chain-other-ca", ["CHAIN_INVALID"], { leaf: ec, chain: [impostor] });
  await add("fullchain-wrong", ["CHAIN_INVALID"], { leaf: ec, files: { fullchain: ec.pem } });
  await add("standalone", ["STANDALONE"], { leaf: ec, authenticator: "standalone" });
  await add("missing-file", ["RENEWAL_CONF_INVALID", "UNREADABLE"], { leaf: ec });
  await rm(path.join(le, "live", "missing-file", "chain.pem"));
  await add("dangling", ["RENEWAL_CONF_INVALID", "UNREADABLE"], { leaf: ec });
  await rm(path.join(le, "archive", "dangling", "fullchain1.pem"));
  await add("not-pem", ["RENEWAL_CONF_INVALID", "UNREADABLE"], { leaf: ec, files: { cert: "\u0000\u0001\u0002binary" } });
  await add("privkey-is-cert", ["UNREADABLE"], { leaf: ec, files: { privkey: ec.pem } });
  const encrypted = String(createPrivateKey(ec.key.privateKeyPem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "pw" }));
  await add("encrypted-key", ["UNREADABLE"], { leaf: ec, files: { privkey: encrypted } });
  const der = parsePem(ec.pem)[0]!.der;
  await add("truncated-base64", ["RENEWAL_CONF_INVALID", "UNREADABLE"], { leaf: ec, files: { cert: `-----BEGIN CERTIFICATE-----\n${der.toString("base64").slice(0, 70)}\n-----END CERTIFICATE-----\n` } });
  await add("truncated-der", ["RENEWAL_CONF_INVALID", "UNREADABLE"], { leaf: ec, files: { cert: toPem("CERTIFICATE", der.subarray(0, 100)) } });
  await add("conf-garbage", ["RENEWAL_CONF_INVALID"], { leaf: ec, conf: "[renewalparams\nauthenticator = webroot\n" });
  await add("conf-missing", ["RENEWAL_CONF_INVALID"], { leaf: ec });
  await rm(path.join(le, "renewal", "conf-missing.conf"));
  await add("several", ["RENEWAL_CONF_INVALID", "KEY_MISMATCH", "CHAIN_INVALID"], { leaf: ec, chain: [impostor], files: { privkey: otherEc.key.privateKeyPem } });
  await rm(path.join(le, "renewal", "several.conf"));
  // A live/ directory certbot never wrote at all.
  expected["empty-live-dir"] = ["RENEWAL_CONF_INVALID", "UNREADABLE", "UNREADABLE", "UNREADABLE", "UNREADABLE"];
  await mkdir(path.join(le, "live", "empty-live-dir"));
  await writeFile(path.join(le, "live", "README"), "certbot's README\n");

  result = await runNgcert(["status", "--json", ...workspace.args]);
  byName = new Map((JSON.parse(result.stdout) as { certificates: Certificate[] }).certificates.map((cert) => [cert.name, cert]));
});

afterAll(async () => {
  await removeWorkspace(workspace);
});

describe("ngcert status with broken lineages", () => {
  it("exits 1, prints only the JSON document, and no stack trace", () => {
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("");
    expect(result.stdout).not.toMatch(/\n\s+at /);
  });

  it("reports every lineage, in name order, none lost to another's breakage", () => {
    expect([...byName.keys()]).toEqual(Object.keys(expected).sort());
  });

  it("reports each lineage's own problem codes", () => {
    const actual = Object.fromEntries([...byName].map(([name, cert]) => [name, cert.problems.map((problem) => problem.code)]));
    expect(actual).toEqual(expected);
  });

  it("names the file in every file problem", () => {
    for (const cert of byName.values()) {
      for (const problem of cert.problems.filter((p) => p.code === "UNREADABLE" || p.code === "KEY_MISMATCH" || p.code === "CHAIN_INVALID")) {
        expect(problem.message).toContain(path.join(workspace.letsencryptDir, "live", cert.name));
      }
    }
  });

  it("reads every key type and key encoding", () => {
    expect(["clean-ec-p256", "clean-ec-p384", "clean-rsa", "clean-rsa-pkcs1", "clean-ec-sec1", "clean-p384-sec1"].map((name) => byName.get(name)!.keyType)).toEqual([
      "ecdsa-p256",
      "ecdsa-p384",
      "rsa-2048",
      "rsa-2048",
      "ecdsa-p256",
      "ecdsa-p384",
    ]);
  });

  it("never prints private key material", () => {
    expect(result.stdout).not.toContain("PRIVATE KEY");
    expect(result.stdout).not.toMatch(/MI[GIJ][A-Za-z0-9+/]{40}/);
  });

  it("still exits 0 when only the clean lineages are asked for", async () => {
    const clean = Object.keys(expected).filter((name) => expected[name]!.length === 0);
    expect((await runNgcert(["status", ...clean, ...workspace.args])).code).toBe(0);
  });
});
