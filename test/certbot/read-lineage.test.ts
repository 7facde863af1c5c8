// readLineageFacts on lineages written to disk the way certbot lays them out: every file problem becomes a problem
// code with a message naming the file, never an exception.
import { spawnSync } from "node:child_process";
import { createHash, createPrivateKey } from "node:crypto";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { readLineageFacts } from "../../src/certbot/read-lineage.js";
import { parsePem } from "../../src/certs/pem.js";
import { encodeTlv, replaceTbsField, resign, TBS_FIELD, toPem } from "../helpers/der-edit.js";
import { renewalConfText, writeLineage, type LineageSpec } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

const NOT_BEFORE = new Date("2026-05-02T12:00:00.000Z");
const NOT_AFTER = new Date(NOT_BEFORE.getTime() + days(90));

let intermediate: TestCert;
let impostor: TestCert; // same subject as `intermediate`, other key, other root
let ecLeaf: TestCert;
let p384Leaf: TestCert;
let rsaLeaf: TestCert;
let otherLeaf: TestCert;
let otherRsaLeaf: TestCert;

beforeAll(async () => {
  const root = await makeCa({ name: "Test Root X1" });
  intermediate = await makeCa({ name: "Test R1", issuer: root });
  impostor = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Other Root" }) });
  const dates = { notBefore: NOT_BEFORE, notAfter: NOT_AFTER };
  ecLeaf = await makeLeaf({ domains: ["example.com", "www.example.com"], issuer: intermediate, serial: "a1b2c3d", ...dates });
  p384Leaf = await makeLeaf({ domains: ["p384.example.com"], issuer: intermediate, algorithm: "ecdsa-p384", ...dates });
  rsaLeaf = await makeLeaf({ domains: ["rsa.example.com"], ipAddresses: ["192.0.2.10"], issuer: intermediate, algorithm: "rsa-2048", ...dates });
  otherLeaf = await makeLeaf({ domains: ["other.example.com"], issuer: intermediate, ...dates });
  otherRsaLeaf = await makeLeaf({ domains: ["other-rsa.example.com"], issuer: intermediate, algorithm: "rsa-2048", ...dates });
});

let workspace: Workspace;
let le: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  le = workspace.letsencryptDir;
});
afterEach(async () => {
  await removeWorkspace(workspace);
});

const live = (name: string, file: string): string => path.join(le, "live", name, file);
const archive = (name: string, file: string): string => path.join(le, "archive", name, file);

async function read(spec: Omit<LineageSpec, "name" | "chain"> & { name?: string; chain?: TestCert[] }) {
  const name = spec.name ?? "example.com";
  await writeLineage(le, { name, chain: [intermediate], ...spec });
  return readLineageFacts(le, name, true);
}

describe("readLineageFacts on a clean lineage", () => {
  it("reads everything status shows, with no problems", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    const der = parsePem(ecLeaf.pem)[0]!.der;
    expect(readLineageFacts(le, "example.com", true)).toEqual({
      name: "example.com",
      confPath: path.join(le, "renewal", "example.com.conf"),
      paths: { cert: live("example.com", "cert.pem"), chain: live("example.com", "chain.pem"), fullchain: live("example.com", "fullchain.pem"), privkey: live("example.com", "privkey.pem") },
      domains: ["example.com", "www.example.com"],
      notBefore: "2026-05-02T12:00:00.000Z",
      notAfter: "2026-07-31T12:00:00.000Z",
      serial: "a1b2c3d",
      issuer: "O=ngcert tests, CN=Test R1",
      keyType: "ecdsa-p256",
      fingerprint: createHash("sha256").update(der).digest("hex"),
      authenticator: "webroot",
      fileProblems: [],
    });
  });

  it("reads P-384 and RSA lineages, with IP addresses after the DNS names", async () => {
    const p384 = await read({ name: "p384.example.com", leaf: p384Leaf });
    expect([p384.keyType, p384.fileProblems]).toEqual(["ecdsa-p384", []]);
    const rsa = await read({ name: "rsa.example.com", leaf: rsaLeaf });
    expect([rsa.keyType, rsa.domains, rsa.fileProblems]).toEqual(["rsa-2048", ["rsa.example.com", "192.0.2.10"], []]);
  });

  it("uses the file paths the renewal conf names, wherever they are", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    const elsewhere = path.join(workspace.root, "elsewhere");
    await mkdir(elsewhere);
    for (const kind of ["cert", "chain", "fullchain", "privkey"]) await symlink(archive("example.com", `${kind}1.pem`), path.join(elsewhere, `${kind}.pem`));
    let conf = renewalConfText(le, { name: "example.com", leaf: ecLeaf, chain: [] });
    for (const kind of ["cert", "chain", "fullchain", "privkey"]) conf = conf.replace(new RegExp(`^${kind} = .*$`, "m"), `${kind} = ${path.join(elsewhere, `${kind}.pem`)}`);
    await writeFile(path.join(le, "renewal", "example.com.conf"), conf);
    await rm(path.join(le, "live", "example.com"), { recursive: true });
    const facts = readLineageFacts(le, "example.com", true);
    expect(facts.paths.cert).toBe(path.join(elsewhere, "cert.pem"));
    expect(facts.fileProblems).toEqual([]);
  });

  it("accepts PKCS#1 and SEC1 private keys that match", async () => {
    const pkcs1 = String(createPrivateKey(rsaLeaf.key.privateKeyPem).export({ type: "pkcs1", format: "pem" }));
    expect((await read({ name: "rsa.example.com", leaf: rsaLeaf, files: { privkey: pkcs1 } })).fileProblems).toEqual([]);
    const sec1 = String(createPrivateKey(ecLeaf.key.privateKeyPem).export({ type: "sec1", format: "pem" }));
    expect((await read({ leaf: ecLeaf, files: { privkey: sec1 } })).fileProblems).toEqual([]);
  });
});

describe("KEY_MISMATCH", () => {
  const mismatch = (name: string) => ({
    code: "KEY_MISMATCH",
    message: `${live(name, "privkey.pem")} is not the key of ${live(name, "cert.pem")}: nginx would refuse to load the pair`,
  });

  it("when privkey.pem is another certificate's key", async () => {
    expect((await read({ leaf: ecLeaf, files: { privkey: otherLeaf.key.privateKeyPem } })).fileProblems).toEqual([mismatch("example.com")]);
  });

  it("for PKCS#1 and SEC1 keys too", async () => {
    const pkcs1 = String(createPrivateKey(otherRsaLeaf.key.privateKeyPem).export({ type: "pkcs1", format: "pem" }));
    expect((await read({ name: "rsa.example.com", leaf: rsaLeaf, files: { privkey: pkcs1 } })).fileProblems).toEqual([mismatch("rsa.example.com")]);
    const sec1 = String(createPrivateKey(otherLeaf.key.privateKeyPem).export({ type: "sec1", format: "pem" }));
    expect((await read({ leaf: ecLeaf, files: { privkey: sec1 } })).fileProblems).toEqual([mismatch("example.com")]);
  });

  it("when the key is of another type", async () => {
    expect((await read({ leaf: ecLeaf, files: { privkey: rsaLeaf.key.privateKeyPem } })).fileProblems).toEqual([mismatch("example.com")]);
    expect((await read({ leaf: p384Leaf, name: "p384.example.com", files: { privkey: ecLeaf.key.privateKeyPem } })).fileProblems).toEqual([mismatch("p384.example.com")]);
  });
});

describe("CHAIN_INVALID", () => {
  it("when chain.pem is another CA with the same name", async () => {
    const facts = await read({ leaf: ecLeaf, chain: [impostor] });
    expect(facts.fileProblems).toEqual([
      { code: "CHAIN_INVALID", message: `${live("example.com", "cert.pem")} is not signed by the first certificate of ${live("example.com", "chain.pem")} (O=ngcert tests, CN=Test R1)` },
    ]);
  });

  it("not when cert.pem writes its issuer's name another way, which TLS clients link (openssl verify); but when it names another issuer", async () => {
    const utf8 = (oid: string, text: string): Buffer => encodeTlv(0x31, encodeTlv(0x30, Buffer.from(oid, "hex"), encodeTlv(0x0c, Buffer.from(text))));
    const withIssuer = (cn: string, o: string): TestCert => {
      const der = replaceTbsField(parsePem(ecLeaf.pem)[0]!.der, TBS_FIELD.issuer, encodeTlv(0x30, utf8("0603550403", cn), utf8("060355040a", o)));
      return { ...ecLeaf, pem: toPem("CERTIFICATE", resign(der, createPrivateKey(intermediate.key.privateKeyPem))) };
    };
    /** What a TLS client makes of cert.pem with chain.pem as the certificate it trusts. */
    const clientLinks = (): boolean =>
      spawnSync("openssl", ["verify", "-no_check_time", "-partial_chain", "-trusted", live("example.com", "chain.pem"), live("example.com", "cert.pem")]).status === 0;

    // The same name in UTF8String, other letter case and white space: the same to OpenSSL's X509_NAME_cmp.
    expect((await read({ leaf: withIssuer(" test  r1", "NGCERT Tests") })).fileProblems).toEqual([]);
    expect(clientLinks()).toBe(true);

    const other = await read({ leaf: withIssuer("Test R2", "ngcert tests") });
    expect(other.fileProblems).toEqual([
      {
        code: "CHAIN_INVALID",
        message: `${live("example.com", "cert.pem")} names its issuer "O=ngcert tests, CN=Test R2", but the first certificate of ${live("example.com", "chain.pem")}, whose key signed it, is "O=ngcert tests, CN=Test R1": TLS clients cannot link the two`,
      },
    ]);
    expect(clientLinks()).toBe(false);
  });

  it("when fullchain.pem is not cert.pem followed by chain.pem", async () => {
    const expected = [{ code: "CHAIN_INVALID", message: `${live("example.com", "fullchain.pem")} is not cert.pem followed by chain.pem` }];
    for (const fullchain of [ecLeaf.pem, intermediate.pem + ecLeaf.pem, ecLeaf.pem + intermediate.pem + intermediate.pem, otherLeaf.pem + intermediate.pem]) {
      expect((await read({ leaf: ecLeaf, files: { fullchain } })).fileProblems).toEqual(expected);
    }
  });
});

describe("STANDALONE", () => {
  it("when the renewal uses certbot's standalone authenticator", async () => {
    const facts = await read({ leaf: ecLeaf, authenticator: "standalone" });
    expect(facts.authenticator).toBe("standalone");
    expect(facts.fileProblems).toEqual([
      {
        code: "STANDALONE",
        message: "renews with certbot's standalone authenticator, which must bind port 80: nginx would have to stop; `ngcert migrate example.com` switches it to the shared webroot",
      },
    ]);
  });

  it("not for webroot or nginx", async () => {
    expect((await read({ leaf: ecLeaf, authenticator: "nginx" })).fileProblems).toEqual([]);
  });
});

describe("UNREADABLE", () => {
  const unreadable = (file: string, why: string) => ({ code: "UNREADABLE", message: `${file}: ${why}` });
  /** certbot's verdict on the same lineage, which comes first. */
  const skipped = (why: string, name = "example.com") => ({
    code: "RENEWAL_CONF_INVALID",
    message: `${path.join(le, "renewal", `${name}.conf`)}: certbot will not renew this certificate: ${why}`,
  });

  it("when a live/ file is missing", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    await rm(live("example.com", "chain.pem"));
    expect(readLineageFacts(le, "example.com", true).fileProblems).toEqual([
      skipped(`expected ${live("example.com", "chain.pem")} to be a symlink`),
      unreadable(live("example.com", "chain.pem"), "missing"),
    ]);
  });

  it("when a live/ symlink dangles, naming its target", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    await rm(archive("example.com", "cert1.pem"));
    const facts = readLineageFacts(le, "example.com", true);
    expect(facts.fileProblems).toEqual([
      skipped(`target ${archive("example.com", "cert1.pem")} of symlink ${live("example.com", "cert.pem")} does not exist`),
      unreadable(live("example.com", "cert.pem"), "dangling symlink to ../../archive/example.com/cert1.pem"),
    ]);
    expect([facts.notAfter, facts.domains, facts.serial]).toEqual([undefined, [], undefined]);
  });

  it("when a file is a directory", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    await rm(live("example.com", "privkey.pem"));
    await mkdir(live("example.com", "privkey.pem"));
    expect(readLineageFacts(le, "example.com", true).fileProblems).toEqual([
      skipped(`expected ${live("example.com", "privkey.pem")} to be a symlink`),
      unreadable(live("example.com", "privkey.pem"), "is a directory, not a file"),
    ]);
  });

  it("when a file is not PEM", async () => {
    const facts = await read({ leaf: ecLeaf, files: { cert: "<html>404 Not Found</html>\n", privkey: "" } });
    expect(facts.fileProblems).toEqual([
      skipped(`it cannot read the certificate's names from ${live("example.com", "cert.pem")}`),
      unreadable(live("example.com", "cert.pem"), "no PEM certificate found"),
      unreadable(live("example.com", "privkey.pem"), "holds no PEM block, not a private key"),
    ]);
  });

  it("when privkey.pem holds a certificate, or cert.pem a key", async () => {
    expect((await read({ leaf: ecLeaf, files: { privkey: ecLeaf.pem } })).fileProblems).toEqual([
      unreadable(live("example.com", "privkey.pem"), "holds a CERTIFICATE block, not a private key"),
    ]);
    expect((await read({ leaf: ecLeaf, files: { cert: ecLeaf.key.privateKeyPem } })).fileProblems).toEqual([
      skipped(`it cannot read the certificate's names from ${live("example.com", "cert.pem")}`),
      unreadable(live("example.com", "cert.pem"), "holds a PRIVATE KEY block but no certificate"),
    ]);
  });

  it("when the private key is encrypted", async () => {
    const key = createPrivateKey(ecLeaf.key.privateKeyPem);
    for (const type of ["pkcs8", "sec1"] as const) {
      const encrypted = String(key.export({ type, format: "pem", cipher: "aes-128-cbc", passphrase: "pw" }));
      expect((await read({ leaf: ecLeaf, files: { privkey: encrypted } })).fileProblems).toEqual([
        unreadable(live("example.com", "privkey.pem"), "the private key is encrypted; nginx cannot load it unattended"),
      ]);
    }
  });

  it("when base64 or DER was cut short", async () => {
    const der = parsePem(ecLeaf.pem)[0]!.der;
    const cutBase64 = `-----BEGIN CERTIFICATE-----\n${der.toString("base64").slice(0, 101)}\n-----END CERTIFICATE-----\n`;
    expect((await read({ leaf: ecLeaf, files: { cert: cutBase64 } })).fileProblems).toEqual([
      skipped(`it cannot read the certificate's names from ${live("example.com", "cert.pem")}`),
      unreadable(live("example.com", "cert.pem"), "the CERTIFICATE block is not valid base64"),
    ]);
    const cutDer = toPem("CERTIFICATE", der.subarray(0, der.length - 30));
    expect((await read({ leaf: ecLeaf, files: { cert: cutDer } })).fileProblems).toEqual([
      skipped(`it cannot read the certificate's names from ${live("example.com", "cert.pem")}`),
      unreadable(live("example.com", "cert.pem"), "not a valid certificate (DER element runs past its container)"),
    ]);
    const chainDer = parsePem(intermediate.pem)[0]!.der;
    const facts = await read({ leaf: ecLeaf, files: { chain: toPem("CERTIFICATE", chainDer.subarray(0, 200)) } });
    expect(facts.fileProblems).toEqual([unreadable(live("example.com", "chain.pem"), "not a valid certificate (DER element runs past its container)")]);
    const fileEnd = (await read({ leaf: ecLeaf, files: { fullchain: ecLeaf.pem.slice(0, 300) } })).fileProblems;
    expect(fileEnd).toEqual([unreadable(live("example.com", "fullchain.pem"), "no PEM certificate found")]);
  });

  it("when the certificate's RSA key has no exponent, instead of failing the whole run", async () => {
    const der = parsePem(rsaLeaf.pem)[0]!.der;
    const rsaAlgorithm = encodeTlv(0x30, encodeTlv(0x06, Buffer.from("2a864886f70d010101", "hex")), Buffer.from([0x05, 0x00]));
    const spki = encodeTlv(0x30, rsaAlgorithm, encodeTlv(0x03, Buffer.from([0]), encodeTlv(0x30, encodeTlv(0x02, Buffer.from([0x00, 0xc5, 0x01])))));
    const facts = await read({ name: "rsa.example.com", leaf: rsaLeaf, files: { cert: toPem("CERTIFICATE", replaceTbsField(der, TBS_FIELD.spki, spki)) } });
    expect(facts.fileProblems).toEqual([
      skipped(`it cannot read the certificate's names from ${live("rsa.example.com", "cert.pem")}`, "rsa.example.com"),
      unreadable(live("rsa.example.com", "cert.pem"), "not a valid certificate (bad RSA public key)"),
    ]);
  });
});

describe("RENEWAL_CONF_INVALID", () => {
  it("when the renewal conf is garbage, still reading the live/ files", async () => {
    const facts = await read({ leaf: ecLeaf, conf: "this is not a renewal conf\n" });
    expect(facts.fileProblems).toEqual([
      {
        code: "RENEWAL_CONF_INVALID",
        message: `${path.join(le, "renewal", "example.com.conf")}: certbot will not renew this certificate: error parsing it: Invalid line ('this is not a renewal conf') (matched as neither section nor keyword) at line 1.`,
      },
    ]);
    expect([facts.authenticator, facts.serial, facts.paths.cert]).toEqual([undefined, "a1b2c3d", live("example.com", "cert.pem")]);
  });

  it("when the renewal conf lacks [renewalparams]", async () => {
    const conf = renewalConfText(le, { name: "example.com", leaf: ecLeaf, chain: [] }).replace(/\n\[renewalparams\][^]*$/, "\n");
    expect((await read({ leaf: ecLeaf, conf })).fileProblems).toEqual([
      { code: "RENEWAL_CONF_INVALID", message: `${path.join(le, "renewal", "example.com.conf")}: certbot will not renew this certificate: it lacks renewalparams` },
    ]);
  });

  it("when only live/<name>/ exists", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    await rm(path.join(le, "renewal", "example.com.conf"));
    const facts = readLineageFacts(le, "example.com", false);
    expect(facts.confPath).toBeUndefined();
    expect(facts.fileProblems).toEqual([
      { code: "RENEWAL_CONF_INVALID", message: `no ${path.join(le, "renewal", "example.com.conf")}: certbot will never renew this certificate` },
    ]);
    expect(facts.domains).toEqual(["example.com", "www.example.com"]);
  });

  it("together with the problems in the files", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate], files: { privkey: otherLeaf.key.privateKeyPem } });
    await rm(path.join(le, "renewal", "example.com.conf"));
    await symlink("nowhere.pem", path.join(le, "live", "example.com", "extra.pem"));
    expect(readLineageFacts(le, "example.com", false).fileProblems.map((problem) => problem.code)).toEqual(["RENEWAL_CONF_INVALID", "KEY_MISMATCH"]);
  });
});

describe("as certbot and OpenSSL see it", () => {
  const skipped = (why: string, name = "example.com") => ({
    code: "RENEWAL_CONF_INVALID",
    message: `${path.join(le, "renewal", `${name}.conf`)}: certbot will not renew this certificate: ${why}`,
  });

  it("lists names as certbot does: the CN first (alone when there is no SAN), IPv6 in RFC 5952 form, raw UTF-8 decoded", async () => {
    const cnOnly = await makeLeaf({ domains: ["cn-only.example"], noSan: true, issuer: intermediate, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    expect((await read({ name: "cn-only.example", leaf: cnOnly })).domains).toEqual(["cn-only.example"]);
    const cnApart = await makeLeaf({ domains: ["san.example"], commonName: "cn.example", issuer: intermediate, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    expect((await read({ name: "apart.example", leaf: cnApart })).domains).toEqual(["cn.example", "san.example"]);
    const v6 = Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1]);
    const ip = await makeLeaf({ domains: [], commonName: null, rawSan: { ip: [v6] }, issuer: intermediate, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    expect((await read({ name: "ip.example", leaf: ip })).domains).toEqual(["2001:db8::1"]);
    const utf8 = await makeLeaf({ domains: [], commonName: null, rawSan: { dns: ["bücher.example"] }, issuer: intermediate, notBefore: NOT_BEFORE, notAfter: NOT_AFTER });
    const facts = await read({ name: "utf8.example", leaf: utf8 });
    expect(facts.domains).toEqual(["bücher.example"]);
    expect(facts.fileProblems).toEqual([
      skipped(
        'it references a certificate that contains an invalid domain name ("bücher.example"): Non-ASCII domain names not supported. To issue for an Internationalized Domain Name, use Punycode.',
        "utf8.example",
      ),
    ]);
  });

  it("reads the first certificate of a cert.pem that holds more, as OpenSSL does, and says what else is there", async () => {
    const facts = await read({ leaf: ecLeaf, files: { cert: ecLeaf.pem + intermediate.pem } });
    expect([facts.serial, facts.domains]).toEqual(["a1b2c3d", ["example.com", "www.example.com"]]);
    expect(facts.fileProblems).toEqual([
      {
        code: "CHAIN_INVALID",
        message: `${live("example.com", "cert.pem")} holds 1 more certificate after the certificate; OpenSSL and nginx read the first certificate (reported here), certbot writes only that one to cert.pem`,
      },
    ]);
  });

  it("says certbot will not renew a lineage whose live/ files are copies, or not archive versions, or whose conf names no authenticator", async () => {
    await writeLineage(le, { name: "example.com", leaf: ecLeaf, chain: [intermediate] });
    await rm(live("example.com", "privkey.pem"));
    await writeFile(live("example.com", "privkey.pem"), ecLeaf.key.privateKeyPem);
    expect(readLineageFacts(le, "example.com", true).fileProblems).toEqual([skipped(`expected ${live("example.com", "privkey.pem")} to be a symlink`)]);

    await rm(live("example.com", "privkey.pem"));
    await writeFile(archive("example.com", "privkey.pem"), ecLeaf.key.privateKeyPem);
    await symlink("../../archive/example.com/privkey.pem", live("example.com", "privkey.pem"));
    expect(readLineageFacts(le, "example.com", true).fileProblems).toEqual([
      skipped(`privkey is required but missing for this certificate (${live("example.com", "privkey.pem")} points at ../../archive/example.com/privkey.pem, not at an archive version privkey<N>.pem)`),
    ]);

    const conf = renewalConfText(le, { name: "noauth.example", leaf: ecLeaf, chain: [] }).replace(/^authenticator = .*\n/m, "");
    expect((await read({ name: "noauth.example", leaf: ecLeaf, conf })).fileProblems).toEqual([skipped("it does not specify an authenticator", "noauth.example")]);
  });
});
