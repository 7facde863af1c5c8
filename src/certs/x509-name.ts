// X.509 names (issuer, subject): read as OpenSSL reads them — a SEQUENCE of RDN sets of (type, value) pairs whose
// string values it converts to UTF-8 (and refuses when it cannot: broken UTF-8, odd-length BMP strings, UTF-16
// surrogates) — shown in RFC 4514 order, and compared as OpenSSL compares them (X509_NAME_cmp).
import { checkPrimitive, contentOf, decodeOid, DerError, expectTag, readChildren, readTlv, stringContent, wholeOf, type Tlv } from "./der.js";

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
const COMMON_NAME = "2.5.4.3";

const utf8 = new TextDecoder("utf-8", { fatal: true });

export interface X509Name {
  /** RFC 4514 order (most specific first), e.g. "CN=R11, O=Let's Encrypt, C=US". */
  text: string;
  /** The first CN, as OpenSSL (and so certbot) reads it. */
  commonName: string | undefined;
}

/**
 * The universal tags OpenSSL takes as a name's value (its B_ASN1_PRINTABLE mask: the string types, BIT STRING,
 * SEQUENCE and the types it calls unknown); anything else, a context-specific tag above all, makes it refuse the name.
 */
const VALUE_TAGS = new Set([0x03, 0x07, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x12, 0x13, 0x14, 0x16, 0x1c, 0x1d, 0x1e, 0x30]);

/** Reads and checks a Name; throws DerError for one OpenSSL refuses. */
export function readName(der: Buffer, nameTlv: Tlv): X509Name {
  const parts: string[] = [];
  let commonName: string | undefined;
  // OpenSSL takes a SEQUENCE OF (a name is one) with the SEQUENCE tag's constructed bit missing.
  if (nameTlv.tag !== 0x30 && nameTlv.tag !== 0x10) throw new DerError("expected a Name");
  for (const rdn of readChildren(der, nameTlv)) {
    // A SET OF, like a SEQUENCE OF, is taken without its constructed bit too.
    if (rdn.tag !== 0x31 && rdn.tag !== 0x11) throw new DerError("expected a relative distinguished name");
    for (const attribute of readChildren(der, rdn)) {
      const fields = readChildren(der, expectTag(attribute, 0x30, "an attribute"));
      if (fields.length !== 2) throw new DerError("bad attribute");
      const oid = decodeOid(contentOf(der, expectTag(fields[0], 0x06, "an attribute type")));
      const value = decodeString(der, fields[1]!);
      if (oid === COMMON_NAME && commonName === undefined) commonName = value;
      parts.push(`${NAME_ATTRIBUTES[oid] ?? oid}=${value}`);
    }
  }
  return { text: parts.reverse().join(", "), commonName };
}

/** A value's type and bytes as OpenSSL keeps them: a string in BER's constructed form joined, under its primitive tag. */
function valueOf(der: Buffer, tlv: Tlv): { type: number; bytes: Buffer } {
  if (VALUE_TAGS.has(tlv.tag)) {
    checkPrimitive(der, tlv);
    return { type: tlv.tag, bytes: contentOf(der, tlv) };
  }
  if (tlv.tag & 0x20 && tlv.tag !== 0x30 && VALUE_TAGS.has(tlv.tag & ~0x20)) {
    // A string in BER's constructed form: OpenSSL joins the pieces, then checks them as the string they make.
    return { type: tlv.tag & ~0x20, bytes: stringContent(der, tlv) };
  }
  throw new DerError("a name value of a type OpenSSL does not take");
}

/**
 * A string's characters as OpenSSL's ASN1_STRING_to_UTF8 reads them: UTF8String as UTF-8, BMPString as UCS-2 and
 * UniversalString as UCS-4 (a surrogate or a value above U+10FFFF in either makes it refuse), every other type one
 * byte per character (Latin-1).
 */
function codePoints(type: number, bytes: Buffer): number[] {
  switch (type) {
    case 0x0c:
      try {
        return Array.from(utf8.decode(bytes), (char) => char.codePointAt(0)!);
      } catch {
        throw new DerError("a UTF8String that is not UTF-8");
      }
    case 0x1e:
    case 0x1c: {
      const width = type === 0x1e ? 2 : 4;
      const points: number[] = [];
      for (let i = 0; i + width - 1 < bytes.length; i += width) {
        const point = width === 2 ? bytes.readUInt16BE(i) : bytes.readUInt32BE(i);
        if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) throw new DerError(`bad ${type === 0x1e ? "BMPString" : "UniversalString"}`);
        points.push(point);
      }
      return points;
    }
    default:
      return [...bytes];
  }
}

/** A directory string converted to text as OpenSSL converts it to UTF-8. */
function decodeString(der: Buffer, tlv: Tlv): string {
  const { type, bytes } = valueOf(der, tlv);
  if (type === 0x0c || type === 0x1e || type === 0x1c) return String.fromCodePoint(...codePoints(type, bytes));
  return bytes.toString("latin1");
}

/** The string types OpenSSL compares by their text (its ASN1_MASK_CANON); other values compare byte for byte. */
const CANONICAL_TYPES = new Set([0x0c, 0x13, 0x14, 0x16, 0x1c, 0x1e]);
/** What OpenSSL's ossl_isspace calls white space. */
const SPACE = new Set([0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]);

/**
 * Whether two Names (each a whole DER Name) are the same name to OpenSSL's X509_NAME_cmp, which a TLS client uses to
 * find a certificate's issuer. Equal bytes are; otherwise both are brought to OpenSSL's canonical form
 * (x509_name_canon): every string type as UTF-8 text without leading or trailing white space, inner runs of white
 * space as one space, ASCII letters in lower case; other values as encoded; the entries of a multi-valued RDN in any
 * order; empty RDNs dropped. So a PrintableString "Example CA" is the same as a UTF8String "example  ca", and a
 * NumericString "1" is not a PrintableString "1".
 */
export function sameName(a: Buffer, b: Buffer): boolean {
  if (a.equals(b)) return true;
  try {
    return canonicalForm(a) === canonicalForm(b);
  } catch {
    // A name OpenSSL cannot bring to canonical form makes it refuse the certificate, so it is no one's issuer.
    return false;
  }
}

function canonicalForm(der: Buffer): string {
  const nameTlv = readTlv(der, 0);
  if (nameTlv.tag !== 0x30 && nameTlv.tag !== 0x10) throw new DerError("expected a Name");
  const rdns: string[] = [];
  for (const rdn of readChildren(der, nameTlv)) {
    if (rdn.tag !== 0x31 && rdn.tag !== 0x11) throw new DerError("expected a relative distinguished name");
    const entries = readChildren(der, rdn).map((attribute) => {
      const fields = readChildren(der, expectTag(attribute, 0x30, "an attribute"));
      if (fields.length !== 2) throw new DerError("bad attribute");
      const type = contentOf(der, expectTag(fields[0], 0x06, "an attribute type")).toString("hex");
      return `${type}=${canonicalValue(der, fields[1]!)}`;
    });
    // An RDN is a SET: its entries in any order. An empty one leaves no trace in OpenSSL's canonical encoding.
    if (entries.length > 0) rdns.push(entries.sort().join("+"));
  }
  return rdns.join("/");
}

function canonicalValue(der: Buffer, tlv: Tlv): string {
  // OpenSSL keeps a SEQUENCE value as the bytes it was given, tag and length included.
  if (tlv.tag === 0x30) return `30:${wholeOf(der, tlv).toString("hex")}`;
  const { type, bytes } = valueOf(der, tlv);
  if (type === 0x03) return `3:${canonicalBits(bytes).toString("hex")}`;
  if (!CANONICAL_TYPES.has(type)) return `${type}:${bytes.toString("hex")}`;
  const points = codePoints(type, bytes);
  let start = 0;
  let end = points.length;
  while (start < end && SPACE.has(points[start]!)) start++;
  while (end > start && SPACE.has(points[end - 1]!)) end--;
  const text: number[] = [];
  for (let i = start; i < end; i++) {
    const point = points[i]!;
    if (!SPACE.has(point)) text.push(point >= 0x41 && point <= 0x5a ? point + 0x20 : point);
    else if (!SPACE.has(points[i - 1]!)) text.push(0x20);
  }
  return `t:${text.join(",")}`;
}

/** A BIT STRING as OpenSSL writes it back: the unused bits of the last byte cleared, no bits as a lone 00. */
function canonicalBits(bytes: Buffer): Buffer {
  if (bytes.length <= 1) return Buffer.from([0]);
  const copy = Buffer.from(bytes);
  copy[copy.length - 1] = copy[copy.length - 1]! & (0xff << copy[0]!);
  return copy;
}
