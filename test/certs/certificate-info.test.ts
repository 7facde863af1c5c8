// Our DER reader against @peculiar/x509's full parser on certificates of every key type we issue in tests.
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as x509 from "@peculiar/x509";
import { readCertificateInfo } from "../../src/certs/certificate-info.js";
import { parseCertificatePems } from "../../src/certs/pem.js";
import { isIssuedBy } from "../../src/certs/verify-issued-by.js";
import { publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../../src/certs/public-key.js";
import { encodeTlv, replaceTbsField, TBS_FIELD } from "../helpers/der-edit.js";
import { makeCa, makeLeaf, type KeyAlgorithm } from "../helpers/pki.js";

describe("readCertificateInfo", () => {
  for (const algorithm of ["ecdsa-p256", "ecdsa-p384", "rsa-2048"] as KeyAlgorithm[]) {
    it(`agrees with @peculiar/x509 for ${algorithm}`, async () => {
      const root = await makeCa({ name: "Root", algorithm });
      const intermediate = await makeCa({ name: "Intermediate", issuer: root, algorithm });
      const leaf = await makeLeaf({ domains: ["a.example", "b.example"], ipAddresses: ["127.0.0.1"], issuer: intermediate, algorithm });
      const info = readCertificateInfo(parseCertificatePems(leaf.pem)[0]!);
      const reference = new x509.X509Certificate(leaf.pem);
      expect(info.notBefore.toISOString()).toBe(reference.notBefore.toISOString());
      expect(info.notAfter.toISOString()).toBe(reference.notAfter.toISOString());
      expect(info.serial).toBe(BigInt(`0x${reference.serialNumber}`).toString(16));
      expect(info.dnsNames).toEqual(["a.example", "b.example"]);
      expect(info.ipAddresses).toEqual(["127.0.0.1"]);
      expect(info.issuer).toBe("O=ngcert tests, CN=Intermediate");
      expect(info.keyType).toBe(algorithm === "rsa-2048" ? "rsa-2048" : algorithm.replace("ecdsa-", "ecdsa-"));
      const intermediateInfo = readCertificateInfo(parseCertificatePems(intermediate.pem)[0]!);
      expect(isIssuedBy(info, intermediateInfo)).toBe(true);
      const rootInfo = readCertificateInfo(parseCertificatePems(root.pem)[0]!);
      expect(isIssuedBy(info, rootInfo)).toBe(false);
      expect(publicKeyIdFromPrivateKeyPem(leaf.key.privateKeyPem)).toBe(publicKeyIdFromSpki(info.spki));
      expect(publicKeyIdFromPrivateKeyPem(intermediate.key.privateKeyPem)).not.toBe(publicKeyIdFromSpki(info.spki));
    });
  }
});

describe("readCertificateInfo on an AlgorithmIdentifier's parameters", () => {
  /** A leaf signed with sha256WithRSAEncryption, whose tbsCertificate's AlgorithmIdentifier the tests edit. */
  async function rsaSignedLeaf(): Promise<Buffer> {
    const issuer = await makeCa({ name: "RSA Issuer", algorithm: "rsa-2048" });
    const leaf = await makeLeaf({ domains: ["a.example"], issuer, algorithm: "ecdsa-p256" });
    return parseCertificatePems(leaf.pem)[0]!;
  }
  const verdict = (read: () => unknown): "reads" | "refuses" => {
    try {
      read();
      return "reads";
    } catch {
      return "refuses";
    }
  };
  const openSslVerdict = (der: Buffer) => verdict(() => new X509Certificate(der));
  const ourVerdict = (der: Buffer) => verdict(() => readCertificateInfo(der));

  it("refuses what OpenSSL refuses (a SEQUENCE or SET in primitive form, an empty INTEGER or BOOLEAN) and reads what it reads", async () => {
    const der = await rsaSignedLeaf();
    // The tbsCertificate's signature AlgorithmIdentifier: sha256WithRSAEncryption, then NULL (05 00).
    const oid = Buffer.from("06092a864886f70d01010b", "hex");
    const at = der.indexOf(oid) + oid.length;
    expect(der.subarray(at, at + 2).toString("hex")).toBe("0500");
    // Then the string types in BER's constructed form (no pieces: empty), which OpenSSL checks as what they join to.
    for (const tag of [0x10, 0x11, 0x02, 0x01, 0x04, 0x30, 0x31, 0x0c, 0xa0, 0x23, 0x24, 0x2c, 0x33, 0x3c, 0x3e, 0x20, 0x37]) {
      const edited = Buffer.from(der);
      edited[at] = tag;
      expect(ourVerdict(edited), `parameters with tag 0x${tag.toString(16)}`).toBe(openSslVerdict(edited));
    }
  });

  it("tells an end-of-contents marker by its bytes (00 00) and a tag in the long form by its number, as OpenSSL does", async () => {
    const der = await rsaSignedLeaf();
    const oid = Buffer.from("06092a864886f70d01010b", "hex");
    const verdicts: Record<string, "reads" | "refuses"> = {};
    // The parameters after sha256WithRSAEncryption: end-of-contents, tag 0 in other forms, NULL, INTEGER and SEQUENCE
    // with their tags in the long form (padded or not), and primitive or constructed where the type says otherwise.
    for (const parameters of ["0000", "000100", "1f0000", "1f800000", "1f0500", "1f050100", "1f020105", "1f8002020105", "1f1000", "3f1000", "3f8010020105", "1f0200"]) {
      const edited = replaceTbsField(der, TBS_FIELD.signature, encodeTlv(0x30, oid, Buffer.from(parameters, "hex")));
      const openssl = openSslVerdict(edited);
      expect(ourVerdict(edited), `parameters ${parameters}`).toBe(openssl);
      verdicts[parameters] = openssl;
    }
    expect(Object.values(verdicts).filter((verdict) => verdict === "reads").length).toBeGreaterThan(3);
    expect(verdicts["0000"]).toBe("refuses");
  });
});

describe("readCertificateInfo on BER's constructed strings in a subjectAltName", () => {
  const tlv = (tag: number, ...content: (Buffer | string)[]): Buffer => {
    const bytes = Buffer.concat(content.map((part) => (typeof part === "string" ? Buffer.from(part, "hex") : part)));
    if (bytes.length > 0x7f) throw new Error("test DER kept short");
    return Buffer.concat([Buffer.from([tag, bytes.length]), bytes]);
  };
  const nest = (depth: number, inner: Buffer): Buffer => (depth === 0 ? inner : tlv(0x24, nest(depth - 1, inner)));
  const ascii = (text: string): string => Buffer.from(text).toString("hex");
  const cases: [string, Buffer][] = [
    ["an empty constructed iPAddress", tlv(0x30, tlv(0x87, "c0000201"), tlv(0xa7))],
    ["an iPAddress in two pieces", tlv(0x30, tlv(0xa7, tlv(0x04, "c000"), tlv(0x04, "0201")))],
    ["pieces of any tag", tlv(0x30, tlv(0xa7, tlv(0x0c, "c000"), tlv(0x80, "02"), tlv(0x13, "01")))],
    ["a dNSName in pieces", tlv(0x30, tlv(0xa2, tlv(0x04, ascii("www.")), tlv(0x04, ascii("example.org"))), tlv(0x82, ascii("example.org")))],
    ["pieces nested five deep", tlv(0x30, tlv(0xa7, nest(5, tlv(0x04, "c0000201"))))],
    ["pieces nested six deep", tlv(0x30, tlv(0x82, ascii("a.example")), tlv(0xa7, nest(6, tlv(0x04, "c0000201"))))],
    ["an end-of-contents marker among the pieces", tlv(0x30, tlv(0x82, ascii("a.example")), tlv(0xa7, tlv(0x04, "c000"), "0000"))],
    ["a constructed registeredID", tlv(0x30, tlv(0x82, ascii("a.example")), tlv(0xa8, tlv(0x06, "2a03")))],
    ["a constructed URI beside a dNSName", tlv(0x30, tlv(0xa6, tlv(0x16, ascii("https://a.example/"))), tlv(0x82, ascii("a.example")))],
    ["a broken piece", tlv(0x30, tlv(0x82, ascii("a.example")), tlv(0xa7, "0405c000"))],
  ];

  /** The DNS names and IP addresses node (OpenSSL) prints, or its refusal of the whole certificate. */
  async function readWithNode(der: Buffer): Promise<{ dns: string[]; ips: string[] } | "refused"> {
    const { X509Certificate } = await import("node:crypto");
    let san: string;
    try {
      san = new X509Certificate(der).subjectAltName ?? "";
    } catch {
      return "refused";
    }
    const entries = san === "" ? [] : san.split(", ");
    return {
      dns: entries.filter((entry) => entry.startsWith("DNS:")).map((entry) => entry.slice(4)),
      ips: entries.filter((entry) => entry.startsWith("IP Address:")).map((entry) => entry.slice(11)),
    };
  }

  function readWithOurs(der: Buffer): { dns: string[]; ips: string[] } | "refused" {
    try {
      const info = readCertificateInfo(der);
      return { dns: info.dnsNames, ips: info.ipAddresses };
    } catch {
      return "refused";
    }
  }

  it("reads the names OpenSSL reads from each constructed form, and none where OpenSSL drops the SAN", async () => {
    const issuer = await makeCa({ name: "EC Issuer", algorithm: "ecdsa-p256" });
    const seen: string[] = [];
    for (const [label, sanValue] of cases) {
      const leaf = await makeLeaf({ domains: ["a.example"], issuer, sanValue });
      const der = parseCertificatePems(leaf.pem)[0]!;
      const node = await readWithNode(der);
      expect(readWithOurs(der), label).toEqual(node);
      seen.push(`${label}: ${JSON.stringify(node)}`);
    }
    // The cases mean something only if OpenSSL reads names from some and drops the SAN of others.
    expect(seen.join("\n")).toContain('"ips":["192.0.2.1"]');
    expect(seen.join("\n")).toContain('"dns":["www.example.org","example.org"]');
    expect(seen.join("\n")).toContain('pieces nested six deep: {"dns":[],"ips":[]}');
  });

  it("reads the SAN from an extension value in constructed form (its pieces joined), as OpenSSL does", async () => {
    const issuer = await makeCa({ name: "EC Issuer", algorithm: "ecdsa-p256" });
    const names = tlv(0x30, tlv(0x82, ascii("a.example")), tlv(0x87, "c0000201"));
    // The pieces are written as the extension's value; flipping its OCTET STRING tag (04) to the constructed 24 makes
    // the value those pieces, joined.
    const pieces = Buffer.concat([tlv(0x04, names.subarray(0, 5)), tlv(0x04, names.subarray(5))]);
    const leaf = await makeLeaf({ domains: ["a.example"], issuer, sanValue: pieces });
    const der = Buffer.from(parseCertificatePems(leaf.pem)[0]!);
    const oid = Buffer.from("0603551d11", "hex");
    const at = der.indexOf(oid) + oid.length;
    expect(der[at]).toBe(0x04);
    der[at] = 0x24;
    const node = await readWithNode(der);
    expect(node).toEqual({ dns: ["a.example"], ips: ["192.0.2.1"] });
    expect(readWithOurs(der)).toEqual(node);
  });
});

describe("readCertificateInfo on a name's value in BER's constructed form", () => {
  it("joins the pieces of a constructed string as OpenSSL does, and refuses what it refuses", async () => {
    const { X509Certificate } = await import("node:crypto");
    const issuer = await makeCa({ name: "EC Issuer", algorithm: "ecdsa-p256" });
    // Each CN is written as a UTF8String whose bytes, once its tag gets the constructed bit, read as pieces.
    const cases = ["\u0004\u0003abc", "\u0004\u0000", "\u0004\u0001a\u0004\u0002bc", "$\u0005\u0004\u0003abc", "\u0004\u0002ab\u0000\u0000", "\u0004\u0005abc", "\u0004\u0002\u00ff"];
    const verdicts: string[] = [];
    for (const commonName of cases) {
      const leaf = await makeLeaf({ domains: ["a.example"], issuer, commonName });
      const der = Buffer.from(parseCertificatePems(leaf.pem)[0]!);
      const content = Buffer.from(commonName, "utf8");
      const at = der.indexOf(Buffer.concat([Buffer.from([0x0c, content.length]), content]));
      expect(at, JSON.stringify(commonName)).toBeGreaterThan(0);
      der[at] = 0x2c;
      let node: string;
      try {
        node = /^CN=(.*)$/m.exec(new X509Certificate(der).subject)?.[1] ?? "(no CN)";
      } catch {
        node = "refused";
      }
      let ours: string;
      try {
        ours = readCertificateInfo(der).commonName ?? "(no CN)";
      } catch {
        ours = "refused";
      }
      expect(ours, JSON.stringify(commonName)).toBe(node);
      verdicts.push(node);
    }
    expect(verdicts).toContain("abc");
    expect(verdicts).toContain("refused");
  });
});
