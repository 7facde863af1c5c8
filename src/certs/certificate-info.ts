// What ngcert knows about one certificate, read straight from its DER (fast: no X.509 object model), with the
// structure checked as strictly as OpenSSL checks it, so what nginx cannot load is never reported as fine.
import { createHash } from "node:crypto";
import {
  checkBitString,
  collectString,
  checkInteger,
  checkPrimitive,
  contentOf,
  decodeOid,
  DerError,
  expectTag,
  readChildren,
  readTlv,
  signedIntegerHex,
  wholeOf,
  type Tlv,
} from "./der.js";
import { decodeTime } from "./asn1-time.js";
import { formatIpAddress } from "./ip-address.js";
import { describePublicKey } from "./public-key.js";
import { readName } from "./x509-name.js";

export interface CertificateInfo {
  der: Buffer;
  /** The signed part, for signature checks. */
  tbs: Buffer;
  signatureAlgorithm: string;
  signature: Buffer;
  /** Lower-case hex without leading zeros, "-" first when negative (as OpenSSL and certbot print serials). */
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
const utf8 = new TextDecoder("utf-8");

/** Parses a DER certificate; throws DerError when it is not one OpenSSL would load. */
export function readCertificateInfo(der: Buffer): CertificateInfo {
  const root = readTlv(der, 0);
  if (root.end !== der.length) throw new DerError("trailing bytes after the certificate");
  const top = readChildren(der, expectTag(root, 0x30, "a certificate SEQUENCE"));
  if (top.length !== 3) throw new DerError("a certificate has three parts");
  const [tbsTlv, algTlv, sigTlv] = top as [Tlv, Tlv, Tlv];
  const tbsFields = readChildren(der, expectTag(tbsTlv, 0x30, "tbsCertificate"));
  let i = 0;
  if (tbsFields[0]?.tag === 0xa0) {
    const version = readChildren(der, tbsFields[0]);
    if (version.length !== 1) throw new DerError("bad version");
    checkInteger(der, expectTag(version[0], 0x02, "version INTEGER"));
    i++;
  }
  const serialTlv = expectTag(tbsFields[i++], 0x02, "serialNumber");
  checkInteger(der, serialTlv);
  readAlgorithm(der, tbsFields[i++]);
  const issuerTlv = tbsFields[i++];
  if (!issuerTlv) throw new DerError("expected issuer");
  const validity = readChildren(der, expectTag(tbsFields[i++], 0x30, "validity"));
  const subjectTlv = tbsFields[i++];
  if (!subjectTlv) throw new DerError("expected subject");
  const spkiTlv = expectTag(tbsFields[i++], 0x30, "subjectPublicKeyInfo");
  // Then, in this order and each at most once: issuerUniqueID [1], subjectUniqueID [2], extensions [3].
  let extensionsTlv: Tlv | undefined;
  for (const [tag, what] of [[0x81, "issuerUniqueID"], [0xa1, "issuerUniqueID"], [0x82, "subjectUniqueID"], [0xa2, "subjectUniqueID"], [0xa3, "extensions"]] as const) {
    const field = tbsFields[i];
    if (field?.tag !== tag) continue;
    if (tag === 0x81 || tag === 0x82) checkBitString(der, field);
    else if (tag === 0xa3) extensionsTlv = field;
    else throw new DerError(`bad ${what}`);
    i++;
  }
  if (i !== tbsFields.length) throw new DerError("unexpected field in tbsCertificate");
  if (validity.length !== 2) throw new DerError("validity needs two times");
  const algorithm = readAlgorithm(der, algTlv);
  const signature = expectTag(sigTlv, 0x03, "signature BIT STRING");
  checkBitString(der, signature);
  const issuer = readName(der, issuerTlv);
  const subject = readName(der, subjectTlv);
  const spki = wholeOf(der, spkiTlv);
  const names = extensionsTlv ? readExtensions(der, extensionsTlv) : { dnsNames: [], ipAddresses: [] };
  return {
    der,
    tbs: wholeOf(der, tbsTlv),
    signatureAlgorithm: algorithm,
    signature: der.subarray(signature.contentStart + 1, signature.end),
    serial: signedIntegerHex(der, serialTlv),
    issuer: issuer.text,
    subject: subject.text,
    commonName: subject.commonName,
    issuerDer: wholeOf(der, issuerTlv),
    subjectDer: wholeOf(der, subjectTlv),
    notBefore: decodeTime(der, validity[0]!),
    notAfter: decodeTime(der, validity[1]!),
    dnsNames: names.dnsNames,
    ipAddresses: names.ipAddresses,
    spki,
    keyType: describePublicKey(spki),
  };
}

export function fingerprintOf(der: Buffer): string {
  return createHash("sha256").update(der).digest("hex");
}

/** AlgorithmIdentifier: an OID and at most one parameter. */
function readAlgorithm(der: Buffer, tlv: Tlv | undefined): string {
  const fields = readChildren(der, expectTag(tlv, 0x30, "AlgorithmIdentifier"));
  if (fields.length === 0 || fields.length > 2) throw new DerError("bad AlgorithmIdentifier");
  if (fields[1]) checkPrimitive(der, fields[1]);
  return decodeOid(contentOf(der, expectTag(fields[0], 0x06, "algorithm OID")));
}

/** Extensions: (OID, [critical BOOLEAN], OCTET STRING) each; the SAN's names are read. */
function readExtensions(der: Buffer, extensionsTlv: Tlv): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  let sans = 0;
  const wrapper = readChildren(der, extensionsTlv);
  if (wrapper.length !== 1) throw new DerError("bad extensions");
  // A SEQUENCE OF: OpenSSL takes it with the constructed bit missing too.
  if (wrapper[0]!.tag !== 0x30 && wrapper[0]!.tag !== 0x10) throw new DerError("expected extensions");
  for (const extension of readChildren(der, wrapper[0]!)) {
    const parts = readChildren(der, expectTag(extension, 0x30, "an extension"));
    const oid = decodeOid(contentOf(der, expectTag(parts[0], 0x06, "extension OID")));
    if (parts.length === 3) {
      const critical = expectTag(parts[1], 0x01, "extension criticality");
      checkPrimitive(der, critical);
    } else if (parts.length !== 2) throw new DerError("bad extension");
    const value = parts[parts.length - 1]!;
    // An OCTET STRING; in BER's constructed form (0x24) OpenSSL joins its pieces and reads the SAN from them.
    if (value.tag !== 0x24) expectTag(value, 0x04, "extension value");
    const bytes = collectString(der, value);
    if (oid !== SAN_OID) continue;
    sans++;
    // A SAN OpenSSL cannot decode is ignored by it (the certificate still loads; no name matches): ours too.
    try {
      const found = readGeneralNames(bytes, readTlv(bytes, 0, bytes.length));
      dnsNames.push(...found.dns);
      ipAddresses.push(...found.ip);
    } catch (error) {
      if (!(error instanceof DerError)) throw error;
    }
  }
  // Two SAN extensions: OpenSSL answers neither (X509_get_ext_d2i), so no name matches.
  return sans > 1 ? { dnsNames: [], ipAddresses: [] } : { dnsNames, ipAddresses };
}

/** GeneralNames, each of a kind OpenSSL knows and well formed, or none at all (DerError). */
function readGeneralNames(der: Buffer, tlv: Tlv): { dns: string[]; ip: string[] } {
  const found = { dns: [] as string[], ip: [] as string[] };
  if (tlv.tag !== 0x30 && tlv.tag !== 0x10) throw new DerError("expected GeneralNames");
  for (const name of readChildren(der, tlv)) {
    switch (name.tag) {
      // The string kinds are IMPLICIT strings: OpenSSL takes their constructed form (0xa_) too, pieces joined.
      case 0x82:
      case 0xa2:
        found.dns.push(utf8.decode(collectString(der, name)));
        break;
      case 0x87:
      case 0xa7:
        found.ip.push(formatIpAddress(collectString(der, name)));
        break;
      case 0x81:
      case 0xa1:
      case 0x86:
      case 0xa6:
        collectString(der, name);
        break;
      case 0x88:
        decodeOid(contentOf(der, name));
        break;
      case 0xa4: {
        const inner = readChildren(der, name);
        if (inner.length !== 1) throw new DerError("bad directoryName");
        readName(der, inner[0]!);
        break;
      }
      case 0xa0: {
        const [type, value, ...rest] = readChildren(der, name);
        decodeOid(contentOf(der, expectTag(type, 0x06, "otherName type")));
        if (rest.length > 0 || readChildren(der, expectTag(value, 0xa0, "otherName value")).length !== 1) throw new DerError("bad otherName");
        break;
      }
      case 0xa3:
      case 0xa5:
        readChildren(der, name);
        break;
      default:
        throw new DerError("unknown GeneralName");
    }
  }
  return found;
}
