// A lineage's RFC 9773 certificate identifier as @peculiar/x509 reads its cert.pem: the test's own reading, not ngcert's.
import { readFile } from "node:fs/promises";
import path from "node:path";
import * as x509 from "@peculiar/x509";

export async function ariCertIdOf(letsencryptDir: string, name: string): Promise<string> {
  const certificate = new x509.X509Certificate(await readFile(path.join(letsencryptDir, "live", name, "cert.pem"), "utf8"));
  const aki = certificate.getExtension(x509.AuthorityKeyIdentifierExtension);
  if (!aki?.keyId) throw new Error(`${name}'s certificate has no authority key identifier`);
  // The serial's DER content octets: @peculiar/x509 drops the zero DER puts before a first byte with its top bit set.
  let serial = Buffer.from(certificate.serialNumber.length % 2 === 0 ? certificate.serialNumber : `0${certificate.serialNumber}`, "hex");
  if (serial[0]! >= 0x80) serial = Buffer.concat([Buffer.from([0]), serial]);
  return `${Buffer.from(aki.keyId, "hex").toString("base64url")}.${serial.toString("base64url")}`;
}
