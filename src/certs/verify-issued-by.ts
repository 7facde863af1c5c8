// Does this issuer certificate's key sign this certificate? Issuer keys are imported once per run: thousands of
// lineages share the same intermediate.
import { createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";
import type { CertificateInfo } from "./certificate-info.js";

const HASHES: Record<string, string | null> = {
  "1.2.840.113549.1.1.5": "sha1",
  "1.2.840.113549.1.1.11": "sha256",
  "1.2.840.113549.1.1.12": "sha384",
  "1.2.840.113549.1.1.13": "sha512",
  "1.2.840.10045.4.3.2": "sha256",
  "1.2.840.10045.4.3.3": "sha384",
  "1.2.840.10045.4.3.4": "sha512",
  "1.3.101.112": null,
};

const issuerKeys = new Map<string, KeyObject>();

function issuerKey(issuer: CertificateInfo): KeyObject {
  const id = issuer.spki.toString("base64");
  let key = issuerKeys.get(id);
  if (!key) {
    key = createPublicKey({ key: issuer.spki, format: "der", type: "spki" });
    issuerKeys.set(id, key);
  }
  return key;
}

export function isIssuedBy(certificate: CertificateInfo, issuer: CertificateInfo): boolean {
  if (!certificate.issuerDer.equals(issuer.subjectDer)) return false;
  const hash = HASHES[certificate.signatureAlgorithm];
  try {
    if (hash === undefined) {
      // Rare algorithms (RSA-PSS and the like): let OpenSSL work out the parameters.
      return new X509Certificate(certificate.der).verify(issuerKey(issuer));
    }
    return verify(hash, certificate.tbs, issuerKey(issuer), certificate.signature);
  } catch {
    return false;
  }
}
