// Public keys as ngcert compares them: the key type for people, and the raw public key bits for "does this key belong
// to this certificate" — read from the private key file itself, so no full private-key import is needed.
import { createPrivateKey, createPublicKey } from "node:crypto";
import { checkBitString, checkInteger, checkPrimitive, contentOf, decodeOid, DerError, expectTag, readChildren, readTlv, unsignedInteger, type Tlv } from "./der.js";
import { isPointOnCurve } from "./ec-point.js";
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

/** Other named curves OpenSSL 3 decodes (X9.62 prime and binary, SECG, Brainpool, SM2): their points are not checked here. */
function isKnownCurve(oid: string): boolean {
  return (
    /^1\.2\.840\.10045\.3\.(0\.(?:[1-9]|1[0-9]|20)|1\.[1-7])$/.test(oid) ||
    /^1\.3\.132\.0\.(?:[1-9]|1[0-9]|2[0-9]|3[0-9])$/.test(oid) ||
    /^1\.3\.36\.3\.3\.2\.8\.1\.1\.(?:[1-9]|1[0-4])$/.test(oid) ||
    /^2\.23\.43\.1\.4\.(?:[1-9]|1[0-2])$/.test(oid) ||
    oid === "1.2.156.10197.1.301"
  );
}

/** A comparable identity of a public key: algorithm plus key material. */
export type PublicKeyId = string;

/**
 * e.g. "ecdsa-p256", "rsa-2048", "ed25519". Refuses (DerError) a key OpenSSL cannot decode: an RSA key that is not
 * (modulus, exponent), an EC point off its curve, an Ed25519/Ed448 key of the wrong size, an unknown algorithm.
 */
export function describePublicKey(spki: Buffer): string {
  const { algorithm, parameters, parametersTag, key } = splitSpki(spki);
  if (algorithm === EC) {
    if (parameters === undefined) {
      if (parametersTag === 0x30) return "ecdsa-explicit";
      throw new DerError("EC public key without a named curve");
    }
    if (!isKnownCurve(parameters)) throw new DerError(`EC public key on an unknown curve ${parameters}`);
    // The NIST curves certbot makes are checked here; a rarer curve is left to OpenSSL itself (rare, so not slow).
    const onCurve = isPointOnCurve(parameters, key.subarray(1)) ?? openSslReadsKey(spki);
    if (!onCurve) throw new DerError("EC public key is not a point on its curve");
    return `ecdsa-${CURVES[parameters] ?? parameters}`;
  }
  if (algorithm === RSA) {
    // OpenSSL reads (modulus, exponent) and nothing more of the key bits: both are required, trailing bytes are not.
    // It reads each as an unsigned magnitude (BN_bin2bn), so an INTEGER with no bytes at all is a zero, not an error.
    const fields = readChildren(key, expectTag(readTlv(key, 0), 0x30, "RSA public key"));
    if (fields.length !== 2 || fields.some((field) => field.tag !== 0x02)) throw new DerError("bad RSA public key");
    return `rsa-${bitLength(unsignedInteger(key, fields[0]!))}`;
  }
  if (algorithm === ED25519 || algorithm === ED448) {
    if (parametersTag !== undefined || key.length !== (algorithm === ED25519 ? 32 : 57)) throw new DerError("bad EdDSA public key");
    return algorithm === ED25519 ? "ed25519" : "ed448";
  }
  throw new DerError(`unsupported public key algorithm ${algorithm}`);
}

export function publicKeyIdFromSpki(spki: Buffer): PublicKeyId {
  const { algorithm, parameters, key } = splitSpki(spki);
  if (algorithm === RSA) {
    const [modulus, exponent] = readChildren(key, readTlv(key, 0));
    if (!modulus || !exponent) throw new DerError("bad RSA public key");
    return `rsa:${magnitudeHex(key, modulus)}:${magnitudeHex(key, exponent)}`;
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

/** The public key in a private key's DER, checked as OpenSSL checks it; undefined when only a full import can tell. */
function readPublicKeyFromPrivateDer(label: string, der: Buffer): PublicKeyId | undefined {
  const root = readTlv(der, 0);
  if (label === "RSA PRIVATE KEY") return rsaPublicFromPkcs1(der, root);
  if (label === "EC PRIVATE KEY") return ecPublicFromSec1(der, root, undefined);
  if (label !== "PRIVATE KEY") return undefined;
  // PrivateKeyInfo: version, algorithm, key, then optional [0] attributes and [1] public key.
  const fields = readChildren(der, expectTag(root, 0x30, "PrivateKeyInfo"));
  if (fields.length < 3 || fields.length > 5) throw new DerError("bad PrivateKeyInfo");
  checkInteger(der, expectTag(fields[0], 0x02, "PrivateKeyInfo version"));
  const algorithmFields = readChildren(der, expectTag(fields[1], 0x30, "AlgorithmIdentifier"));
  if (algorithmFields.length === 0 || algorithmFields.length > 2) throw new DerError("bad AlgorithmIdentifier");
  const algorithm = decodeOid(contentOf(der, expectTag(algorithmFields[0], 0x06, "algorithm OID")));
  if (algorithmFields[1]) checkPrimitive(der, algorithmFields[1]);
  const parameters = algorithmFields[1]?.tag === 0x06 ? decodeOid(contentOf(der, algorithmFields[1])) : undefined;
  const inner = expectTag(fields[2], 0x04, "privateKey OCTET STRING");
  const rest = fields.slice(3).map((field) => field.tag);
  if (rest.some((tag, i) => tag !== [0xa0, 0x81, 0xa1][i] && !(i === 0 && (tag === 0x81 || tag === 0xa1)))) throw new DerError("bad PrivateKeyInfo");
  if (algorithm === RSA) return rsaPublicFromPkcs1(der, readTlv(der, inner.contentStart, inner.end));
  if (algorithm === EC) {
    if (parameters === undefined || !isKnownCurve(parameters)) throw new DerError("EC private key without a known named curve");
    return ecPublicFromSec1(der, readTlv(der, inner.contentStart, inner.end), parameters);
  }
  return undefined;
}

function rsaPublicFromPkcs1(der: Buffer, tlv: Tlv): PublicKeyId {
  // version and n, e, d, p, q, dP, dQ, qInv; version 1 adds the other primes of a multi-prime key.
  const fields = readChildren(der, expectTag(tlv, 0x30, "RSAPrivateKey"));
  const integers = fields.slice(0, 9);
  const multiPrime = fields.length === 10 && fields[9]!.tag === 0x30;
  if (integers.length !== 9 || integers.some((field) => field.tag !== 0x02) || (fields.length !== 9 && !multiPrime)) {
    throw new DerError("bad RSAPrivateKey");
  }
  // OpenSSL reads the version as a 32-bit INTEGER and checks it only as far as version 1 (multi-prime) needs the
  // other primes; it reads the eight numbers as unsigned magnitudes, any padding and even no bytes at all allowed.
  const versionOne = readInt32(der, fields[0]!) === 1;
  if (versionOne !== multiPrime) throw new DerError("bad RSAPrivateKey version");
  const [, modulus, exponent] = fields as [Tlv, Tlv, Tlv];
  return `rsa:${magnitudeHex(der, modulus)}:${magnitudeHex(der, exponent)}`;
}

/** An unsigned number as OpenSSL's BN_bin2bn reads an INTEGER's bytes, as hex the way its public key prints ("00" for zero). */
function magnitudeHex(der: Buffer, tlv: Tlv): string {
  return tlv.end === tlv.contentStart ? "00" : unsignedInteger(der, tlv).toString("hex");
}

/**
 * A version field OpenSSL declares INT32: no bytes at all read as 0 (compatibility with its old LONG type), otherwise a
 * minimal INTEGER within 32 bits signed.
 */
function readInt32(der: Buffer, tlv: Tlv): number {
  if (tlv.end === tlv.contentStart) return 0;
  checkInteger(der, tlv);
  const length = tlv.end - tlv.contentStart;
  if (length > 8) throw new DerError("INTEGER too large for a version");
  let value = 0n;
  for (let i = tlv.contentStart; i < tlv.end; i++) value = (value << 8n) | BigInt(der[i]!);
  if (der[tlv.contentStart]! & 0x80) value -= 1n << BigInt(8 * length);
  if (value < -(2n ** 31n) || value > 2n ** 31n - 1n) throw new DerError("INTEGER too large for a version");
  return Number(value);
}

function ecPublicFromSec1(der: Buffer, tlv: Tlv, curveFromPkcs8: string | undefined): PublicKeyId | undefined {
  // ECPrivateKey: version 1, the private key, then optional [0] curve and [1] public key.
  const fields = readChildren(der, expectTag(tlv, 0x30, "ECPrivateKey"));
  if (fields.length < 2 || fields.length > 4) throw new DerError("bad ECPrivateKey");
  readInt32(der, expectTag(fields[0], 0x02, "ECPrivateKey version"));
  expectTag(fields[1], 0x04, "EC private key OCTET STRING");
  let curve = curveFromPkcs8;
  let point: Buffer | undefined;
  let last = 0;
  for (const field of fields.slice(2)) {
    const order = field.tag === 0xa0 ? 1 : field.tag === 0xa1 ? 2 : 0;
    if (order <= last) throw new DerError("bad ECPrivateKey");
    last = order;
    const inner = readChildren(der, field);
    if (inner.length !== 1) throw new DerError("bad ECPrivateKey");
    if (field.tag === 0xa0) {
      const named = decodeOid(contentOf(der, expectTag(inner[0], 0x06, "named curve")));
      if (curve !== undefined && named !== curve) throw new DerError("EC private key names two curves");
      curve = named;
    } else {
      const bits = expectTag(inner[0], 0x03, "public key BIT STRING");
      checkBitString(der, bits);
      point = maskedBits(der, bits);
    }
  }
  if (curve !== undefined && !isKnownCurve(curve)) throw new DerError(`EC private key on an unknown curve ${curve}`);
  if (!point || !curve) return undefined;
  // A curve whose points are not checked here (not one certbot makes): let OpenSSL import the key instead.
  const onCurve = isPointOnCurve(curve, point);
  if (onCurve === undefined) return undefined;
  if (!onCurve) throw new DerError("EC public key is not a point on its curve");
  return `${EC}:${curve}:${Buffer.concat([Buffer.from([0]), point]).toString("hex")}`;
}

/** A BIT STRING's bytes with the bits it declares unused cleared, as OpenSSL reads them. */
function maskedBits(der: Buffer, bits: Tlv): Buffer {
  const unused = der[bits.contentStart]!;
  const bytes = der.subarray(bits.contentStart + 1, bits.end);
  if (unused === 0 || bytes.length === 0) return bytes;
  const copy = Buffer.from(bytes);
  copy[copy.length - 1]! &= (0xff << unused) & 0xff;
  return copy;
}

function openSslReadsKey(spki: Buffer): boolean {
  try {
    createPublicKey({ key: spki, format: "der", type: "spki" });
    return true;
  } catch {
    return false;
  }
}

function splitSpki(spki: Buffer): { algorithm: string; parameters: string | undefined; parametersTag: number | undefined; key: Buffer; unusedBits: number } {
  const fields = readChildren(spki, expectTag(readTlv(spki, 0), 0x30, "SubjectPublicKeyInfo"));
  if (fields.length !== 2) throw new DerError("bad SubjectPublicKeyInfo");
  const [algorithmTlv, keyTlv] = fields;
  const algorithmFields = readChildren(spki, expectTag(algorithmTlv, 0x30, "AlgorithmIdentifier"));
  if (algorithmFields.length === 0 || algorithmFields.length > 2) throw new DerError("bad AlgorithmIdentifier");
  const algorithm = decodeOid(contentOf(spki, expectTag(algorithmFields[0], 0x06, "algorithm OID")));
  const parametersTlv = algorithmFields[1];
  if (parametersTlv) checkPrimitive(spki, parametersTlv);
  const parameters = parametersTlv?.tag === 0x06 ? decodeOid(contentOf(spki, parametersTlv)) : undefined;
  const bits = expectTag(keyTlv, 0x03, "subjectPublicKey BIT STRING");
  checkBitString(spki, bits);
  const unusedBits = spki[bits.contentStart]!;
  const bytes = maskedBits(spki, bits);
  // The EC id starts with a zero byte (where the unused-bits count stood), so it lines up with the private-key form.
  const key = algorithm === EC ? Buffer.concat([Buffer.from([0]), bytes]) : bytes;
  return { algorithm, parameters, parametersTag: parametersTlv?.tag, key, unusedBits };
}

function bitLength(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  return (bytes.length - 1) * 8 + (32 - Math.clz32(bytes[0]!));
}
