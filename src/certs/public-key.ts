// Public keys as ngcert compares them: the key type for people, and the raw public key bits for "does this key belong
// to this certificate" — read from the private key file itself, so no full private-key import is needed.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { contentOf, decodeOid, DerError, expectTag, readChildren, readTlv, unsignedInteger, type Tlv } from "./der.js";
import { parsePem } from "./pem.js";

const RSA = "1.2.840.113549.1.1.1";
const EC = "1.2.840.10045.2.1";
const ED25519 = "1.3.101.112";
const ED448 = "1.3.101.113";
const CURVES: Record<string, string> = {
  "1.2.840.10045.3.1.7": "p256",
  "1.3.132.0.34": "p384",
  "1.3.132.0.35": "p521",
};

/** A comparable identity of a public key: algorithm plus key material. */
export type PublicKeyId = string;

/** e.g. "ecdsa-p256", "rsa-2048", "ed25519". */
export function describePublicKey(spki: Buffer): string {
  const { algorithm, parameters, key } = splitSpki(spki);
  if (algorithm === EC) return `ecdsa-${parameters ? (CURVES[parameters] ?? parameters) : "unknown"}`;
  if (algorithm === RSA) {
    // Both parts are required here, where a bad certificate is still reported as unreadable, not later on comparison.
    const [modulus, exponent] = readChildren(key, readTlv(key, 0));
    if (!modulus || !exponent) throw new DerError("bad RSA public key");
    return `rsa-${bitLength(unsignedInteger(key, modulus))}`;
  }
  if (algorithm === ED25519) return "ed25519";
  if (algorithm === ED448) return "ed448";
  return algorithm;
}

export function publicKeyIdFromSpki(spki: Buffer): PublicKeyId {
  const { algorithm, parameters, key } = splitSpki(spki);
  if (algorithm === RSA) {
    const [modulus, exponent] = readChildren(key, readTlv(key, 0));
    if (!modulus || !exponent) throw new DerError("bad RSA public key");
    return `rsa:${unsignedInteger(key, modulus).toString("hex")}:${unsignedInteger(key, exponent).toString("hex")}`;
  }
  return `${algorithm}:${parameters ?? ""}:${key.toString("hex")}`;
}

export class PrivateKeyError extends Error {}

/**
 * The public key belonging to a PEM private key. PKCS#8 and SEC1 EC keys carry their public point and RSA keys their
 * modulus, which is what OpenSSL (and so nginx) compares too; only a key without them is imported with node:crypto.
 */
export function publicKeyIdFromPrivateKeyPem(text: string): PublicKeyId {
  // OpenSSL's legacy encryption puts headers inside the block, so it does not even parse as PEM.
  if (/^Proc-Type:\s*4,\s*ENCRYPTED/m.test(text)) throw new PrivateKeyError("the private key is encrypted; nginx cannot load it unattended");
  const blocks = parsePem(text);
  const block = blocks.find((candidate) => candidate.label.endsWith("PRIVATE KEY"));
  if (!block) {
    const found = blocks[0] ? `a ${blocks[0].label} block` : "no PEM block";
    throw new PrivateKeyError(`holds ${found}, not a private key`);
  }
  if (block.label === "ENCRYPTED PRIVATE KEY") throw new PrivateKeyError("the private key is encrypted; nginx cannot load it unattended");
  try {
    const fromDer = readPublicKeyFromPrivateDer(block.label, block.der);
    if (fromDer) return fromDer;
  } catch (error) {
    if (!(error instanceof DerError)) throw error;
    throw new PrivateKeyError(`the private key is not valid DER (${error.message})`);
  }
  try {
    const spki = createPublicKey(createPrivateKey(text)).export({ type: "spki", format: "der" });
    return publicKeyIdFromSpki(spki);
  } catch (error) {
    throw new PrivateKeyError(`the private key cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function readPublicKeyFromPrivateDer(label: string, der: Buffer): PublicKeyId | undefined {
  if (label === "RSA PRIVATE KEY") return rsaPublicFromPkcs1(der, readTlv(der, 0));
  if (label === "EC PRIVATE KEY") return ecPublicFromSec1(der, readTlv(der, 0), undefined);
  if (label !== "PRIVATE KEY") return undefined;
  const fields = readChildren(der, expectTag(readTlv(der, 0), 0x30, "PrivateKeyInfo"));
  const algorithmFields = readChildren(der, expectTag(fields[1], 0x30, "AlgorithmIdentifier"));
  const algorithm = decodeOid(contentOf(der, expectTag(algorithmFields[0], 0x06, "algorithm OID")));
  const parameters = algorithmFields[1]?.tag === 0x06 ? decodeOid(contentOf(der, algorithmFields[1])) : undefined;
  const inner = expectTag(fields[2], 0x04, "privateKey OCTET STRING");
  if (algorithm === RSA) return rsaPublicFromPkcs1(der, readTlv(der, inner.contentStart, inner.end));
  if (algorithm === EC) return ecPublicFromSec1(der, readTlv(der, inner.contentStart, inner.end), parameters);
  return undefined;
}

function rsaPublicFromPkcs1(der: Buffer, tlv: Tlv): PublicKeyId {
  const [, modulus, exponent] = readChildren(der, expectTag(tlv, 0x30, "RSAPrivateKey"));
  if (!modulus || !exponent) throw new DerError("RSAPrivateKey lacks its modulus");
  return `rsa:${unsignedInteger(der, modulus).toString("hex")}:${unsignedInteger(der, exponent).toString("hex")}`;
}

function ecPublicFromSec1(der: Buffer, tlv: Tlv, curveFromPkcs8: string | undefined): PublicKeyId | undefined {
  const fields = readChildren(der, expectTag(tlv, 0x30, "ECPrivateKey"));
  let curve = curveFromPkcs8;
  let point: Buffer | undefined;
  for (const field of fields.slice(2)) {
    if (field.tag === 0xa0) curve = decodeOid(contentOf(der, readTlv(der, field.contentStart, field.end)));
    if (field.tag === 0xa1) {
      const bits = expectTag(readTlv(der, field.contentStart, field.end), 0x03, "public key BIT STRING");
      point = der.subarray(bits.contentStart + 1, bits.end);
    }
  }
  if (!point || !curve) return undefined;
  return `${EC}:${curve}:${Buffer.concat([Buffer.from([0]), point]).toString("hex")}`;
}

function splitSpki(spki: Buffer): { algorithm: string; parameters: string | undefined; key: Buffer } {
  const [algorithmTlv, keyTlv] = readChildren(spki, expectTag(readTlv(spki, 0), 0x30, "SubjectPublicKeyInfo"));
  const algorithmFields = readChildren(spki, expectTag(algorithmTlv, 0x30, "AlgorithmIdentifier"));
  const algorithm = decodeOid(contentOf(spki, expectTag(algorithmFields[0], 0x06, "algorithm OID")));
  const parameters = algorithmFields[1]?.tag === 0x06 ? decodeOid(contentOf(spki, algorithmFields[1])) : undefined;
  const bits = expectTag(keyTlv, 0x03, "subjectPublicKey BIT STRING");
  // The EC id keeps the BIT STRING's unused-bits byte so it lines up with the private-key form above.
  const key = algorithm === EC ? spki.subarray(bits.contentStart, bits.end) : spki.subarray(bits.contentStart + 1, bits.end);
  return { algorithm, parameters, key };
}

function bitLength(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
}
