// The CA and server certificate ngcert makes for Pebble's listener, judged by node:crypto and by OpenSSL's strict
// verifier (the checks Python's ssl applies when certbot talks to Pebble).
import { X509Certificate } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { issueServerCertificate, makeCertificateAuthority } from "../../src/certs/issue-certificate.js";
import { objectIdentifier, time, unsignedInteger } from "../../src/certs/der-write.js";

const validity = { notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date("2036-01-01T00:00:00Z") };

describe("issueServerCertificate", () => {
  const ca = makeCertificateAuthority({ ...validity, commonName: "test CA", organization: "ngcert tests" });
  const leaf = issueServerCertificate({ ...validity, issuer: ca, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], organization: "ngcert tests" });

  it("makes a CA and a leaf that node:crypto parses, chains and matches to their names", () => {
    const caCert = new X509Certificate(ca.pem);
    const leafCert = new X509Certificate(leaf.pem);
    expect(caCert.ca).toBe(true);
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(leafCert.ca).toBe(false);
    expect(leafCert.checkIssued(caCert)).toBe(true);
    expect(leafCert.verify(caCert.publicKey)).toBe(true);
    expect(leafCert.checkHost("localhost")).toBe("localhost");
    expect(leafCert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leafCert.validFrom).toBe("Jan  1 00:00:00 2026 GMT");
    expect(leafCert.validTo).toBe("Jan  1 00:00:00 2036 GMT");
    expect(leafCert.checkPrivateKey(leaf.privateKey)).toBe(true);
  });

  it("passes openssl verify -x509_strict as a server certificate", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ngcert-cert-"));
    writeFileSync(path.join(dir, "ca.pem"), ca.pem);
    writeFileSync(path.join(dir, "leaf.pem"), leaf.pem);
    const result = await execa("openssl", ["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", path.join(dir, "ca.pem"), path.join(dir, "leaf.pem")], { reject: false });
    expect(result.stdout + result.stderr).toContain(": OK");
  });
});

describe("DER writer", () => {
  it("encodes OIDs, integers and times as DER requires", () => {
    expect(objectIdentifier("1.2.840.10045.4.3.2").toString("hex")).toBe("06082a8648ce3d040302");
    expect(unsignedInteger(Buffer.from([0x00, 0x00, 0x80])).toString("hex")).toBe("02020080");
    expect(unsignedInteger(Buffer.from([0x00])).toString("hex")).toBe("020100");
    expect(time(new Date("2049-12-31T23:59:59Z")).toString("latin1").slice(2)).toBe("491231235959Z");
    expect(time(new Date("2050-01-01T00:00:00Z")).toString("latin1").slice(2)).toBe("20500101000000Z");
  });
});
