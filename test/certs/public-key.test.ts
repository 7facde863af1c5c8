// Key type names and "is this the certificate's key", for every private key encoding certbot and OpenSSL write.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { readCertificateInfo } from "../../src/certs/certificate-info.js";
import { DerError, readChildren, readTlv, wholeOf } from "../../src/certs/der.js";
import { parseCertificatePems, parsePem } from "../../src/certs/pem.js";
import { describePublicKey, PrivateKeyError, publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../../src/certs/public-key.js";
import { encodeTlv, longFormTag, toPem } from "../helpers/der-edit.js";
import { makeCa, makeKey, makeLeaf, type KeyAlgorithm, type TestCert, type TestKey } from "../helpers/pki.js";

const ALGORITHMS: KeyAlgorithm[] = ["ecdsa-p256", "ecdsa-p384", "rsa-2048"];
const leaves = new Map<KeyAlgorithm, TestCert>();
const others = new Map<KeyAlgorithm, TestKey>();

beforeAll(async () => {
  const ca = await makeCa({ name: "Key Test CA" });
  for (const algorithm of ALGORITHMS) {
    leaves.set(algorithm, await makeLeaf({ domains: [`${algorithm}.example`], issuer: ca, algorithm }));
    others.set(algorithm, await makeKey(algorithm));
  }
});

const spkiOf = (cert: TestCert): Buffer => readCertificateInfo(parseCertificatePems(cert.pem)[0]!).spki;
const legacy = (pkcs8Pem: string, type: "pkcs1" | "sec1"): string => String(createPrivateKey(pkcs8Pem).export({ type, format: "pem" }));

function privateKeyError(text: string): PrivateKeyError {
  try {
    publicKeyIdFromPrivateKeyPem(text);
  } catch (error) {
    if (error instanceof PrivateKeyError) return error;
    throw error;
  }
  throw new Error("the key was accepted");
}

describe("describePublicKey", () => {
  it("names the key type and size", () => {
    expect(ALGORITHMS.map((algorithm) => describePublicKey(spkiOf(leaves.get(algorithm)!)))).toEqual(["ecdsa-p256", "ecdsa-p384", "rsa-2048"]);
  });

  it("refuses an RSA key without its public exponent", () => {
    const modulusOnly = encodeTlv(0x30, encodeTlv(0x02, Buffer.from([0x00, 0xc3, 0x01, 0x02, 0x03])));
    const rsaAlgorithm = encodeTlv(0x30, encodeTlv(0x06, Buffer.from("2a864886f70d010101", "hex")), Buffer.from([0x05, 0x00]));
    const spki = encodeTlv(0x30, rsaAlgorithm, encodeTlv(0x03, Buffer.from([0]), modulusOnly));
    expect(() => describePublicKey(spki)).toThrow(DerError);
    expect(() => publicKeyIdFromSpki(spki)).toThrow(DerError);
  });
});

describe("publicKeyIdFromPrivateKeyPem", () => {
  for (const algorithm of ALGORITHMS) {
    it(`matches a ${algorithm} certificate with its own PKCS#8 key, and not another`, () => {
      const leaf = leaves.get(algorithm)!;
      expect(leaf.key.privateKeyPem).toContain("-----BEGIN PRIVATE KEY-----");
      expect(publicKeyIdFromPrivateKeyPem(leaf.key.privateKeyPem)).toBe(publicKeyIdFromSpki(spkiOf(leaf)));
      expect(publicKeyIdFromPrivateKeyPem(others.get(algorithm)!.privateKeyPem)).not.toBe(publicKeyIdFromSpki(spkiOf(leaf)));
    });
  }

  it('matches PKCS#1 "RSA PRIVATE KEY" keys', () => {
    const leaf = leaves.get("rsa-2048")!;
    const own = legacy(leaf.key.privateKeyPem, "pkcs1");
    expect(own).toContain("-----BEGIN RSA PRIVATE KEY-----");
    expect(publicKeyIdFromPrivateKeyPem(own)).toBe(publicKeyIdFromSpki(spkiOf(leaf)));
    expect(publicKeyIdFromPrivateKeyPem(legacy(others.get("rsa-2048")!.privateKeyPem, "pkcs1"))).not.toBe(publicKeyIdFromSpki(spkiOf(leaf)));
  });

  for (const algorithm of ["ecdsa-p256", "ecdsa-p384"] as const) {
    it(`matches SEC1 "EC PRIVATE KEY" ${algorithm} keys, with or without an EC PARAMETERS block first`, () => {
      const leaf = leaves.get(algorithm)!;
      const own = legacy(leaf.key.privateKeyPem, "sec1");
      expect(own).toContain("-----BEGIN EC PRIVATE KEY-----");
      expect(publicKeyIdFromPrivateKeyPem(own)).toBe(publicKeyIdFromSpki(spkiOf(leaf)));
      const params = algorithm === "ecdsa-p256" ? "BggqhkjOPQMBBw==" : "BgUrgQQAIg==";
      expect(publicKeyIdFromPrivateKeyPem(`-----BEGIN EC PARAMETERS-----\n${params}\n-----END EC PARAMETERS-----\n${own}`)).toBe(publicKeyIdFromSpki(spkiOf(leaf)));
      expect(publicKeyIdFromPrivateKeyPem(legacy(others.get(algorithm)!.privateKeyPem, "sec1"))).not.toBe(publicKeyIdFromSpki(spkiOf(leaf)));
    });
  }

  it("tells a P-256 key from a P-384 key", () => {
    expect(publicKeyIdFromPrivateKeyPem(others.get("ecdsa-p256")!.privateKeyPem)).not.toBe(publicKeyIdFromSpki(spkiOf(leaves.get("ecdsa-p384")!)));
  });

  it("refuses a file holding a certificate, or nothing", () => {
    expect(privateKeyError(leaves.get("ecdsa-p256")!.pem).message).toBe("holds a CERTIFICATE block, not a private key");
    expect(privateKeyError("just text\n").message).toBe("holds no PEM block, not a private key");
  });

  it("refuses encrypted keys, PKCS#8 and OpenSSL's legacy form, saying so", () => {
    const key = createPrivateKey(leaves.get("rsa-2048")!.key.privateKeyPem);
    const pkcs8 = String(key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" }));
    const pkcs1 = String(key.export({ type: "pkcs1", format: "pem", cipher: "aes-256-cbc", passphrase: "secret" }));
    expect(pkcs1).toContain("Proc-Type: 4,ENCRYPTED");
    expect(privateKeyError(pkcs8).message).toBe("the private key is encrypted; nginx cannot load it unattended");
    expect(privateKeyError(pkcs1).message).toBe("the private key is encrypted; nginx cannot load it unattended");
  });

  it("refuses a key whose DER was cut short", () => {
    for (const text of [leaves.get("ecdsa-p256")!.key.privateKeyPem, legacy(leaves.get("rsa-2048")!.key.privateKeyPem, "pkcs1")]) {
      const [block] = parsePem(text);
      const cut = toPem(block!.label, block!.der.subarray(0, block!.der.length - 24));
      expect(privateKeyError(cut).message).toMatch(/^the private key is not valid DER \(/);
    }
  });
});

describe("private key numbers read as OpenSSL reads them", () => {
  // OpenSSL's verdict through node:crypto, as the public key it derives (or null when it refuses the key).
  function openSsl(text: string): string | null {
    try {
      return publicKeyIdFromSpki(createPublicKey(createPrivateKey(text)).export({ type: "spki", format: "der" }));
    } catch {
      return null;
    }
  }
  function ours(text: string): string | null {
    try {
      return publicKeyIdFromPrivateKeyPem(text);
    } catch (error) {
      if (error instanceof PrivateKeyError) return null;
      throw error;
    }
  }
  /** The same for a SubjectPublicKeyInfo: the key OpenSSL exports from it, or null. */
  function openSslSpki(spki: Buffer): string | null {
    try {
      return publicKeyIdFromSpki(createPublicKey({ key: spki, format: "der", type: "spki" }).export({ type: "spki", format: "der" }));
    } catch {
      return null;
    }
  }
  /** Its type as describePublicKey names it and its key, or null when ngcert refuses it. */
  function ourSpki(spki: Buffer): { type: string; id: string } | null {
    try {
      return { type: describePublicKey(spki), id: publicKeyIdFromSpki(spki) };
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
      return null;
    }
  }
  // INTEGER encodings: none at all, in long form (the 02 81 00 a flipped length byte makes), padded, out of 32 bits.
  const integers: Array<[string, Buffer]> = [
    ["no bytes", Buffer.alloc(0)],
    ["no bytes, long-form length", Buffer.alloc(0)],
    ["0", Buffer.from("00", "hex")],
    ["1", Buffer.from("01", "hex")],
    ["-1", Buffer.from("ff", "hex")],
    ["padded 0", Buffer.from("0000", "hex")],
    ["padded 1", Buffer.from("0001", "hex")],
    ["2^31-1", Buffer.from("7fffffff", "hex")],
    ["2^31", Buffer.from("0080000000", "hex")],
    ["-2^31", Buffer.from("80000000", "hex")],
    ["-2^31-1", Buffer.from("ff7fffffff", "hex")],
    ["2^64", Buffer.from("010000000000000000", "hex")],
  ];
  const integer = (name: string, content: Buffer): Buffer =>
    name.includes("long-form") ? Buffer.concat([Buffer.from([0x02, 0x81, content.length]), content]) : encodeTlv(0x02, content);
  const pkcs8Rsa = (pkcs1: Buffer): Buffer =>
    encodeTlv(0x30, encodeTlv(0x02, Buffer.from([0])), Buffer.from("300d06092a864886f70d0101010500", "hex"), encodeTlv(0x04, pkcs1));

  it("agrees on every RSA number's encoding, PKCS#1 and PKCS#8 alike", () => {
    const pkcs1 = createPrivateKey(leaves.get("rsa-2048")!.key.privateKeyPem).export({ type: "pkcs1", format: "der" });
    const fields = readChildren(pkcs1, readTlv(pkcs1, 0)).map((field) => wholeOf(pkcs1, field));
    const seen = { accepted: 0, refused: 0 };
    // The version, the modulus, the exponent, d and qInv.
    for (const index of [0, 1, 2, 3, 8]) {
      for (const [name, content] of integers) {
        const der = encodeTlv(0x30, ...fields.map((field, i) => (i === index ? integer(name, content) : field)));
        for (const text of [toPem("RSA PRIVATE KEY", der), toPem("PRIVATE KEY", pkcs8Rsa(der))]) {
          const expected = openSsl(text);
          expect({ index, name, id: ours(text) }).toEqual({ index, name, id: expected });
          seen[expected === null ? "refused" : "accepted"]++;
        }
      }
    }
    // The comparison means something only if OpenSSL both accepts and refuses some of them.
    expect(seen.accepted).toBeGreaterThan(40);
    expect(seen.refused).toBeGreaterThan(4);
  });

  it("agrees on the encodings of an RSA public key's modulus and exponent", () => {
    const pkcs1 = createPublicKey(leaves.get("rsa-2048")!.key.privateKeyPem).export({ type: "pkcs1", format: "der" });
    const fields = readChildren(pkcs1, readTlv(pkcs1, 0)).map((field) => wholeOf(pkcs1, field));
    const rsaAlgorithm = Buffer.from("300d06092a864886f70d0101010500", "hex");
    const seen = { accepted: 0, refused: 0 };
    for (const index of [0, 1]) {
      for (const [name, content] of integers) {
        const key = encodeTlv(0x30, ...fields.map((field, i) => (i === index ? integer(name, content) : field)));
        const spki = encodeTlv(0x30, rsaAlgorithm, encodeTlv(0x03, Buffer.from([0]), key));
        const expected = openSslSpki(spki);
        expect({ index, name, id: ourSpki(spki)?.id ?? null }).toEqual({ index, name, id: expected });
        seen[expected === null ? "refused" : "accepted"]++;
      }
    }
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it("agrees on tags written in the long form, in every element of an RSA public key", () => {
    // A flipped bit can turn a length's last byte short, so the key's last byte becomes a tag: 1f then 02 is an
    // INTEGER in the long form, which OpenSSL reads (the certbot differential found it with a key ending in 1f).
    const spki = createPublicKey(leaves.get("rsa-2048")!.key.privateKeyPem).export({ type: "spki", format: "der" });
    const wholeChildren = (buf: Buffer, start = 0): Buffer[] => readChildren(buf, readTlv(buf, start)).map((field) => wholeOf(buf, field));
    const [algorithm, bits] = wholeChildren(spki);
    const [oid, parameters] = wholeChildren(algorithm!);
    const bitsTlv = readTlv(bits!, 0);
    const [modulus, exponent] = wholeChildren(bits!.subarray(bitsTlv.contentStart + 1));
    // Each element in turn: minimal long form, padded with an 80 byte, and a tag number that is not the type's.
    const elements: Array<[string, (edit: (element: Buffer) => Buffer) => Buffer]> = [
      ["SubjectPublicKeyInfo", (edit) => edit(spki)],
      ["AlgorithmIdentifier", (edit) => encodeTlv(0x30, edit(algorithm!), bits!)],
      ["algorithm OID", (edit) => encodeTlv(0x30, encodeTlv(0x30, edit(oid!), parameters!), bits!)],
      ["NULL parameters", (edit) => encodeTlv(0x30, encodeTlv(0x30, oid!, edit(parameters!)), bits!)],
      ["BIT STRING", (edit) => encodeTlv(0x30, algorithm!, edit(bits!))],
      ["RSAPublicKey", (edit) => encodeTlv(0x30, algorithm!, encodeTlv(0x03, Buffer.from([0]), edit(encodeTlv(0x30, modulus!, exponent!))))],
      ["modulus", (edit) => encodeTlv(0x30, algorithm!, encodeTlv(0x03, Buffer.from([0]), encodeTlv(0x30, edit(modulus!), exponent!)))],
      ["exponent", (edit) => encodeTlv(0x30, algorithm!, encodeTlv(0x03, Buffer.from([0]), encodeTlv(0x30, modulus!, edit(exponent!))))],
    ];
    const forms: Array<[string, (element: Buffer) => Buffer]> = [
      ["long form", (element) => longFormTag(element)],
      ["padded long form", (element) => longFormTag(element, true)],
      ["number + 31", (element) => Buffer.concat([Buffer.from([element[0]! | 0x1f, (element[0]! & 0x1f) + 31]), element.subarray(1)])],
    ];
    const seen = { accepted: 0, refused: 0 };
    for (const [name, build] of elements) {
      for (const [form, edit] of forms) {
        const edited = build(edit);
        const expected = openSslSpki(edited);
        const actual = ourSpki(edited);
        if (actual) expect(actual.type).toBe("rsa-2048");
        expect({ name, form, id: actual?.id ?? null }).toEqual({ name, form, id: expected });
        seen[expected === null ? "refused" : "accepted"]++;
      }
    }
    expect(seen.accepted).toBeGreaterThan(10);
    expect(seen.refused).toBeGreaterThan(4);
  });

  it("agrees on the EC version's encoding", () => {
    const sec1 = createPrivateKey(leaves.get("ecdsa-p256")!.key.privateKeyPem).export({ type: "sec1", format: "der" });
    const fields = readChildren(sec1, readTlv(sec1, 0)).map((field) => wholeOf(sec1, field));
    const verdicts = integers.map(([name, content]) => {
      const text = toPem("EC PRIVATE KEY", encodeTlv(0x30, integer(name, content), ...fields.slice(1)));
      const expected = openSsl(text);
      expect({ name, id: ours(text) }).toEqual({ name, id: expected });
      return expected !== null;
    });
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });
});
