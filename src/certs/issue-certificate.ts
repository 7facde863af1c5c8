// Makes a small CA and certificates it signs, with node:crypto and the DER writer: what a local ACME server (the demo's
// Pebble) needs for its own HTTPS listener. ECDSA P-256 with SHA-256, the extensions a strict verifier
// (OpenSSL's X509_V_FLAG_X509_STRICT, Python 3.13's default) asks for, nothing else.
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";
import { isIPv4 } from "node:net";
import {
  bitString,
  booleanTrue,
  explicit,
  implicit,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
  utf8String,
} from "./der-write.js";

export interface IssuedCertificate {
  /** The certificate, PEM. */
  pem: string;
  der: Buffer;
  /** Its private key, PKCS#8 PEM. */
  keyPem: string;
  privateKey: KeyObject;
  /** Its subject name, DER: the issuer name of what it signs. */
  subjectName: Buffer;
  subjectKeyId: Buffer;
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

const ECDSA_WITH_SHA256 = sequence(objectIdentifier("1.2.840.10045.4.3.2"));

function name(commonName: string, organization: string): Buffer {
  const attribute = (oid: string, value: string): Buffer => set(sequence(objectIdentifier(oid), utf8String(value)));
  return sequence(attribute("2.5.4.10", organization), attribute("2.5.4.3", commonName));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [booleanTrue()] : []), octetString(value));
}

function randomSerial(): Buffer {
  const bytes = randomBytes(16);
  // Positive and of full length: RFC 5280 wants a positive serial of at most 20 bytes.
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

interface TbsInput extends Validity {
  subjectName: Buffer;
  issuerName: Buffer;
  publicKey: KeyObject;
  signingKey: KeyObject;
  extensions: Buffer[];
}

function signCertificate(input: TbsInput): Buffer {
  const spki = input.publicKey.export({ type: "spki", format: "der" });
  const tbs = sequence(
    explicit(0, smallInteger(2)),
    unsignedInteger(randomSerial()),
    ECDSA_WITH_SHA256,
    input.issuerName,
    sequence(time(input.notBefore), time(input.notAfter)),
    input.subjectName,
    spki,
    explicit(3, sequence(...input.extensions)),
  );
  const signature = sign("sha256", tbs, { key: input.signingKey, dsaEncoding: "der" });
  return sequence(tbs, ECDSA_WITH_SHA256, bitString(signature));
}

/** RFC 7093's method: the leftmost 160 bits of the SHA-256 of the public key. */
function keyId(publicKey: KeyObject): Buffer {
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest().subarray(0, 20);
}

function finish(der: Buffer, privateKey: KeyObject, subjectName: Buffer, subjectKeyId: Buffer): IssuedCertificate {
  return { pem: toPem(der, "CERTIFICATE"), der, keyPem: String(privateKey.export({ type: "pkcs8", format: "pem" })), privateKey, subjectName, subjectKeyId };
}

/** A self-signed CA that may sign end-entity certificates only (path length 0). */
export function makeCertificateAuthority(options: Validity & { commonName: string; organization: string }): IssuedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const subjectName = name(options.commonName, options.organization);
  const subjectKeyId = keyId(publicKey);
  const der = signCertificate({
    ...options,
    subjectName,
    issuerName: subjectName,
    publicKey,
    signingKey: privateKey,
    extensions: [
      extension("2.5.29.19", true, sequence(booleanTrue(), smallInteger(0))),
      // digitalSignature, keyCertSign, cRLSign (bits 0, 5 and 6; the last byte's lowest bit unused).
      extension("2.5.29.15", true, Buffer.from([0x03, 0x02, 0x01, 0x86])),
      extension("2.5.29.14", false, octetString(subjectKeyId)),
    ],
  });
  return finish(der, privateKey, subjectName, subjectKeyId);
}

/** A TLS server certificate for host names and IP addresses, signed by `issuer`. */
export function issueServerCertificate(options: Validity & { issuer: IssuedCertificate; dnsNames: readonly string[]; ipAddresses: readonly string[]; organization: string }): IssuedCertificate {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const altNames = [
    ...options.dnsNames.map((dns) => implicit(2, Buffer.from(dns, "ascii"))),
    ...options.ipAddresses.map((ip) => implicit(7, ipBytes(ip))),
  ];
  if (altNames.length === 0) throw new RangeError("a server certificate needs at least one name or address");
  const subjectName = name(options.dnsNames[0] ?? options.ipAddresses[0]!, options.organization);
  const subjectKeyId = keyId(publicKey);
  const der = signCertificate({
    ...options,
    subjectName,
    issuerName: options.issuer.subjectName,
    publicKey,
    signingKey: options.issuer.privateKey,
    extensions: [
      extension("2.5.29.19", true, sequence()),
      // digitalSignature only (bit 0; seven unused bits).
      extension("2.5.29.15", true, Buffer.from([0x03, 0x02, 0x07, 0x80])),
      extension("2.5.29.37", false, sequence(objectIdentifier("1.3.6.1.5.5.7.3.1"))),
      extension("2.5.29.17", false, sequence(...altNames)),
      extension("2.5.29.14", false, octetString(subjectKeyId)),
      extension("2.5.29.35", false, sequence(implicit(0, options.issuer.subjectKeyId))),
    ],
  });
  return finish(der, privateKey, subjectName, subjectKeyId);
}

function ipBytes(ip: string): Buffer {
  // Loopback services are all the demo has; IPv6 entries are not needed and so not written.
  if (!isIPv4(ip)) throw new RangeError(`${ip} is not an IPv4 address`);
  return Buffer.from(ip.split(".").map(Number));
}

function toPem(der: Buffer, label: string): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
