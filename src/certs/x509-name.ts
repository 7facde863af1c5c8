// X.509 names (issuer, subject): read as OpenSSL reads them — a SEQUENCE of RDN sets of (type, value) pairs whose
// string values it converts to UTF-8 (and refuses when it cannot: broken UTF-8, odd-length BMP strings) — and shown
// in RFC 4514 order.
import { checkPrimitive, contentOf, decodeOid, DerError, expectTag, readChildren, stringContent, type Tlv } from "./der.js";

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

/** A directory string converted to text as OpenSSL converts it to UTF-8: BMP/Universal are UCS-2/UCS-4, T61 Latin-1. */
function decodeString(der: Buffer, tlv: Tlv): string {
  let type = tlv.tag;
  let bytes: Buffer;
  if (VALUE_TAGS.has(type)) {
    checkPrimitive(der, tlv);
    bytes = contentOf(der, tlv);
  } else if (type & 0x20 && type !== 0x30 && VALUE_TAGS.has(type & ~0x20)) {
    // A string in BER's constructed form: OpenSSL joins the pieces, then checks them as the string they make.
    type &= ~0x20;
    bytes = stringContent(der, tlv);
  } else throw new DerError("a name value of a type OpenSSL does not take");
  switch (type) {
    case 0x0c:
      try {
        return utf8.decode(bytes);
      } catch {
        throw new DerError("a UTF8String that is not UTF-8");
      }
    case 0x1e: {
      let text = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) text += String.fromCharCode(bytes.readUInt16BE(i));
      return text;
    }
    case 0x1c: {
      let text = "";
      for (let i = 0; i + 3 < bytes.length; i += 4) {
        const code = bytes.readUInt32BE(i);
        if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new DerError("bad UniversalString");
        text += String.fromCodePoint(code);
      }
      return text;
    }
    default:
      return bytes.toString("latin1");
  }
}
