// A throw-away CA and a certificate for Pebble's own HTTPS listener, made at run time so they never expire: certbot
// trusts the CA through REQUESTS_CA_BUNDLE, and nothing else ever does.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { issueServerCertificate, makeCertificateAuthority } from "../certs/issue-certificate.js";

export interface PebbleTls {
  /** The CA certbot must trust (REQUESTS_CA_BUNDLE) to talk to Pebble. */
  caFile: string;
  caPem: string;
  certFile: string;
  keyFile: string;
}

const HOUR = 3_600_000;

export async function writePebbleTls(dir: string, now: Date = new Date()): Promise<PebbleTls> {
  // A day of slack before now for a clock that is slightly off; ten years after, for a world kept running.
  const validity = { notBefore: new Date(now.getTime() - 24 * HOUR), notAfter: new Date(now.getTime() + 3650 * 24 * HOUR) };
  const organization = "ngcert local world";
  const ca = makeCertificateAuthority({ ...validity, commonName: "ngcert local world Pebble listener CA", organization });
  const leaf = issueServerCertificate({ ...validity, issuer: ca, dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"], organization });
  const files = { caFile: path.join(dir, "ca.pem"), certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "key.pem") };
  await writeFile(files.caFile, ca.pem);
  await writeFile(files.certFile, leaf.pem);
  await writeFile(files.keyFile, leaf.keyPem, { mode: 0o600 });
  return { ...files, caPem: ca.pem };
}
