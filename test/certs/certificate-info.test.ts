// Our DER reader against @peculiar/x509's full parser on certificates of every key type we issue in tests.
import { describe, expect, it } from "vitest";
import * as x509 from "@peculiar/x509";
import { readCertificateInfo } from "../../src/certs/certificate-info.js";
import { parseCertificatePems } from "../../src/certs/pem.js";
import { isIssuedBy } from "../../src/certs/verify-issued-by.js";
import { publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../../src/certs/public-key.js";
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
  it("refuses what OpenSSL refuses (a SEQUENCE or SET in primitive form, an empty INTEGER or BOOLEAN) and reads what it reads", async () => {
    const { X509Certificate } = await import("node:crypto");
    const issuer = await makeCa({ name: "RSA Issuer", algorithm: "rsa-2048" });
    const leaf = await makeLeaf({ domains: ["a.example"], issuer, algorithm: "ecdsa-p256" });
    const der = parseCertificatePems(leaf.pem)[0]!;
    // The tbsCertificate's signature AlgorithmIdentifier: sha256WithRSAEncryption, then NULL (05 00).
    const oid = Buffer.from("06092a864886f70d01010b", "hex");
    const at = der.indexOf(oid) + oid.length;
    expect(der.subarray(at, at + 2).toString("hex")).toBe("0500");
    for (const tag of [0x10, 0x11, 0x02, 0x01, 0x04, 0x30, 0x31, 0x0c, 0xa0]) {
      const edited = Buffer.from(der);
      edited[at] = tag;
      let openssl: "reads" | "refuses" = "reads";
      try {
        new X509Certificate(edited);
      } catch {
        openssl = "refuses";
      }
      let ours: "reads" | "refuses" = "reads";
      try {
        readCertificateInfo(edited);
      } catch {
        ours = "refuses";
      }
      expect(ours, `parameters with tag 0x${tag.toString(16)}`).toBe(openssl);
    }
  });
});
