// What ngcert knows about one certificate, read straight from its DER.
import { createHash } from "node:crypto";
import { contentOf, decodeOid, decodeTime, DerError, expectTag, readChildren, readTlv, unsignedInteger, wholeOf, type Tlv } from "./der.js";
import { formatIpAddress } from "./ip-address.js";
import { describePublicKey } from "./public-key.js";

export interface CertificateInfo {
  der: Buffer;
  /** The signed part, for signature checks. */
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  /** Lower-case hex, no leading zeros beyond one byte. */
  serial: string;
  issuer: string;
  subject: string;
  /** The subject's first CN, as OpenSSL (and so certbot) reads it; absent when there is none. */
  commonName: string | undefined;
  /** Raw DER of the issuer and subject names, to match a leaf to its issuer. */
  issuerDer: Buffer;
  subjectDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  /** SAN DNS names, decoded as UTF-8 (the way certbot reads them) when a certificate carries raw UTF-8. */
  dnsNames: string[];
  /** SAN IP addresses in canonical text (RFC 5952 for IPv6). */
  ipAddresses: string[];
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  keyType: string;
}

const SAN_OID = "2.5.29.17";
const NAME_ATTRIBUTES: Record<string, string> = {
  "2.5.4.3": "CN",
  "2.5.4.6": "C",
  "2.5.4.7": "L",
  "2.5.4.8": "ST",
  "2.5.4.10": "O",
  "2.5.4.11": "OU",
  "2.5.4.5": "serialNumber",
  "1.2.840.113549.1.9.1": "emailAddress",
};

/** Parses a DER certificate; throws DerError when it is not one. */
export function readCertificateInfo(der: Buffer): CertificateInfo {
  const root = readTlv(der, 0);
  if (root.end !== der.length) throw new DerError("trailing bytes after the certificate");
  const [tbsTlv, algTlv, sigTlv] = readChildren(der, expectTag(root, 0x30, "a certificate SEQUENCE"));
  const tbsFields = readChildren(der, expectTag(tbsTlv, 0x30, "tbsCertificate"));
  let i = tbsFields[0]?.tag === 0xa0 ? 1 : 0;
  const serialTlv = expectTag(tbsFields[i++], 0x02, "serialNumber");
  i++; // the inner signature algorithm repeats the outer one
  const issuerTlv = expectTag(tbsFields[i++], 0x30, "issuer");
  const validity = readChildren(der, expectTag(tbsFields[i++], 0x30, "validity"));
  const subjectTlv = expectTag(tbsFields[i++], 0x30, "subject");
  const spkiTlv = expectTag(tbsFields[i++], 0x30, "subjectPublicKeyInfo");
  const extensionsTlv = tbsFields.slice(i).find((field) => field.tag === 0xa3);
  const [notBeforeTlv, notAfterTlv] = validity;
  if (!notBeforeTlv || !notAfterTlv) throw new DerError("validity needs two times");
  const algorithm = readChildren(der, expectTag(algTlv, 0x30, "signatureAlgorithm"));
  const signature = expectTag(sigTlv, 0x03, "signature BIT STRING");
  const spki = wholeOf(der, spkiTlv);
  const names = extensionsTlv ? readSubjectAltNames(der, extensionsTlv) : { dnsNames: [], ipAddresses: [] };
  return {
    der,
    tbs: wholeOf(der, tbsTlv!),
    signatureAlgorithm: decodeOid(contentOf(der, expectTag(algorithm[0], 0x06, "algorithm OID"))),
    signature: der.subarray(signature.contentStart + 1, signature.end),
    serial: unsignedInteger(der, serialTlv).toString("hex"),
    issuer: renderName(der, issuerTlv),
    subject: renderName(der, subjectTlv),
    commonName: firstCommonName(der, subjectTlv),
    issuerDer: wholeOf(der, issuerTlv),
    subjectDer: wholeOf(der, subjectTlv),
    notBefore: decodeTime(der, notBeforeTlv),
    notAfter: decodeTime(der, notAfterTlv),
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    spki,
    keyType: describePublicKey(spki),
  };
}

export function fingerprintOf(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex");
}

function readSubjectAltNames(der: Buffer, extensionsTlv: Tlv): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  const list = readTlv(der, extensionsTlv.contentStart, extensionsTlv.end);
  for (const extension of readChildren(der, expectTag(list, 0x30, "extensions"))) {
    const parts = readChildren(der, extension);
    if (decodeOid(contentOf(der, expectTag(parts[0], 0x06, "extension OID"))) !== SAN_OID) continue;
    const value = expectTag(parts[parts.length - 1], 0x04, "extension value");
    const generalNames = readTlv(der, value.contentStart, value.end);
    for (const name of readChildren(der, expectTag(generalNames, 0x30, "GeneralNames"))) {
      if (name.tag === 0x82) dnsNames.push(utf8.decode(contentOf(der, name)));
      if (name.tag === 0x87) ipAddresses.push(formatIpAddress(contentOf(der, name)));
    }
  }
  return { dnsNames, ipAddresses };
}

const utf8 = new TextDecoder("utf-8");

/** RFC 4514 order (most specific first), e.g. "CN=R11, O=Let's Encrypt, C=US". */
function renderName(der: Buffer, nameTlv: Tlv): string {
  const parts: string[] = [];
  for (const rdn of readChildren(der, nameTlv)) {
    for (const attribute of readChildren(der, rdn)) {
      const [oidTlv, valueTlv] = readChildren(der, attribute);
      if (!oidTlv || !valueTlv) continue;
      const oid = decodeOid(contentOf(der, oidTlv));
      parts.push(`${NAME_ATTRIBUTES[oid] ?? oid}=${decodeString(der, valueTlv)}`);
    }
  }
  return parts.reverse().join(", ");
}

function firstCommonName(der: Buffer, nameTlv: Tlv): string | undefined {
  for (const rdn of readChildren(der, nameTlv)) {
    for (const attribute of readChildren(der, rdn)) {
      const [oidTlv, valueTlv] = readChildren(der, attribute);
      if (oidTlv && valueTlv && decodeOid(contentOf(der, oidTlv)) === "2.5.4.3") return decodeString(der, valueTlv);
    }
  }
  return undefined;
}

/** A directory string as OpenSSL converts it to UTF-8: BMP and Universal strings are UCS-2/UCS-4, T61 is Latin-1. */
function decodeString(der: Buffer, tlv: Tlv): string {
  const bytes = contentOf(der, tlv);
  if (tlv.tag === 0x1e) {
    let text = "";
    for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
    return text;
  }
  if (tlv.tag === 0x1c) {
    let text = "";
    for (let i = 0; i + 3 < bytes.length; i += 4) text += String.fromCodePoint(Math.min(bytes.readUInt32BE(i), 0x10ffff));
    return text;
  }
  if (tlv.tag === 0x14) return bytes.toString("latin1");
  return utf8.decode(bytes);
}
