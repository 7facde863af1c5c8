// Hand-made DER for certificates no CA would issue: encode a TLV, or swap one field of a certificate's tbsCertificate.
import { sign, type KeyObject } from "node:crypto";
import { readChildren, readTlv } from "../../src/certs/der.js";

export function encodeTlv(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}

/** The element with its one-byte tag written in the long form (1f 02 for 02), padded with an 80 byte when asked. */
export function longFormTag(element: Buffer, padded = false): Buffer {
  const tag = element[0]!;
  return Buffer.concat([Buffer.from(padded ? [tag | 0x1f, 0x80, tag & 0x1f] : [tag | 0x1f, tag & 0x1f]), element.subarray(1)]);
}

/** The certificate with field `index` of its tbsCertificate replaced (the signature is left as it was). */
export function replaceTbsField(certDer: Buffer, index: number, replacement: Buffer): Buffer {
  const [tbs, algorithm, signature] = readChildren(certDer, readTlv(certDer, 0));
  const fields = readChildren(certDer, tbs!).map((field) => certDer.subarray(field.start, field.end));
  fields[index] = replacement;
  const whole = (tlv: typeof tbs) => certDer.subarray(tlv!.start, tlv!.end);
  return encodeTlv(0x30, encodeTlv(0x30, ...fields), whole(algorithm), whole(signature));
}

/** The certificate signed again by `key` (ECDSA or RSA PKCS#1 v1.5 with `hash`), every other byte as it was. */
export function resign(certDer: Buffer, key: KeyObject, hash = "sha256"): Buffer {
  const [tbs, algorithm] = readChildren(certDer, readTlv(certDer, 0));
  const tbsDer = certDer.subarray(tbs!.start, tbs!.end);
  return encodeTlv(0x30, tbsDer, certDer.subarray(algorithm!.start, algorithm!.end), encodeTlv(0x03, Buffer.from([0]), sign(hash, tbsDer, key)));
}

/** tbsCertificate field numbers of a v3 certificate. */
export const TBS_FIELD = { version: 0, serial: 1, signature: 2, issuer: 3, validity: 4, subject: 5, spki: 6 } as const;

export function toPem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${der.toString("base64").replace(/.{64}(?!$)/g, "$&\n")}\n-----END ${label}-----\n`;
}
