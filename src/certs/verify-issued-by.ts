// Did this issuer certificate issue this certificate, as a TLS client links them: the certificate names it as its
// issuer (compared as OpenSSL compares names) and its key signed the certificate. Issuer keys are imported once per
// run: thousands of lineages share the same intermediate.
import { createPublicKey, verify, X509Certificate, type KeyObject } from "node:crypto";
import type { CertificateInfo } from "./certificate-info.js";
import { sameName } from "./x509-name.js";

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

function isSignedBy(certificate: CertificateInfo, issuer: CertificateInfo): boolean {
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

/**
 * Why `issuer` did not issue `certificate`: its key did not sign it ("signature", what certbot checks), or it did but
 * the certificate names another issuer ("name": a client cannot link the two); undefined when it issued it.
 */
export function whyNotIssuedBy(certificate: CertificateInfo, issuer: CertificateInfo): "signature" | "name" | undefined {
  if (!isSignedBy(certificate, issuer)) return "signature";
  return sameName(certificate.issuerDer, issuer.subjectDer) ? undefined : "name";
}

export function isIssuedBy(certificate: CertificateInfo, issuer: CertificateInfo): boolean {
  return whyNotIssuedBy(certificate, issuer) === undefined;
}
