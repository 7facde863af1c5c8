// Certificates nginx refuses to load although they parse: OpenSSL's default security level (2 on Debian and Ubuntu)
// wants 112-bit security from every key nginx loads and every signature on a certificate it did not sign itself.
// A 1024-bit RSA key or a SHA-1 signed certificate makes `nginx -t` fail ("ee key too small", "ca md too weak").
import type { CertificateInfo } from "./certificate-info.js";
import { sameName } from "./x509-name.js";

/** Signature algorithms below 112-bit security: MD2, MD4, MD5 and SHA-1 with RSA, DSA and ECDSA. */
const WEAK_SIGNATURES: Record<string, string> = {
  "1.2.840.113549.1.1.2": "MD2",
  "1.2.840.113549.1.1.3": "MD4",
  "1.2.840.113549.1.1.4": "MD5",
  "1.2.840.113549.1.1.5": "SHA-1",
  "1.2.840.10040.4.3": "SHA-1",
  "1.2.840.10045.4.1": "SHA-1",
};

/** Curves below 112-bit security that OpenSSL still parses. */
const WEAK_CURVES = new Set(["ecdsa-1.2.840.10045.3.1.1", "ecdsa-1.3.132.0.8", "ecdsa-1.3.132.0.9", "ecdsa-1.3.132.0.30", "ecdsa-1.3.132.0.31"]);

/** Why nginx refuses `cert` (the leaf when `isLeaf`, else a chain certificate it sends along), or undefined. */
export function nginxRefusal(cert: CertificateInfo, isLeaf: boolean): string | undefined {
  const whose = isLeaf ? "the certificate's" : `the chain certificate ${cert.subject}'s`;
  const rsa = /^rsa-(\d+)$/.exec(cert.keyType);
  if ((rsa && Number(rsa[1]) < 2048) || WEAK_CURVES.has(cert.keyType)) {
    const key = rsa ? `a ${rsa[1]}-bit RSA key` : `a ${cert.keyType} key`;
    return `${whose} public key is ${key}, weaker than OpenSSL's default security level allows (RSA needs 2048 bits): nginx refuses it ("${isLeaf ? "ee" : "ca"} key too small")`;
  }
  const weak = WEAK_SIGNATURES[cert.signatureAlgorithm];
  // OpenSSL skips the check for a self-signed certificate: subject and issuer the same name (X509_NAME_cmp).
  if (weak && !sameName(cert.issuerDer, cert.subjectDer)) {
    return `${isLeaf ? "the certificate" : `the chain certificate ${cert.subject}`} is signed with ${weak}, weaker than OpenSSL's default security level allows: nginx refuses it ("ca md too weak")`;
  }
  return undefined;
}
