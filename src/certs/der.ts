// A minimal DER reader: just enough ASN.1 to pull the fields ngcert needs out of certificates and keys, far faster than
// a full X.509 object model when thousands of lineages are read. Its primitives refuse what OpenSSL's decoder
// refuses (test/certs/der-differential.test.ts holds it to that), so a certificate nginx cannot load is never read.

export interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  /** Offset just after the content. */
  end: number;
}

export class DerError extends Error {}

/**
 * Tags numbered above 30 (several tag bytes) are LONG_TAG + class and constructed bits × 2^32 + number, so they never
 * equal a one-byte tag or each other.
 */
export const LONG_TAG = 0x10000;
const CLASS_BITS = 2 ** 32;

export function readTlv(buf: Uint8Array, offset: number, limit = buf.length): Tlv {
  if (offset + 2 > limit) throw new DerError("truncated DER");
  let tag = buf[offset]!;
  let at = offset + 1;
  if ((tag & 0x1f) === 0x1f) {
    // OpenSSL's ASN1_get_object reads the tag's number, up to 2^31 - 1, padded with 80 bytes or not.
    let number = 0;
    for (;;) {
      if (at >= limit) throw new DerError("truncated DER");
      const byte = buf[at++]!;
      number = number * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) break;
      if (number > 0xffffff) throw new DerError("bad DER tag");
    }
    // It compares numbers, not encodings: 1f 02 is an INTEGER and 3f 10 a SEQUENCE, as good as 02 and 30.
    tag = number < 0x1f ? (tag & 0xe0) | number : LONG_TAG + (tag & 0xe0) * CLASS_BITS + number;
  }
  if (at >= limit) throw new DerError("truncated DER");
  let length = buf[at++]!;
  if (length & 0x80) {
    const count = length & 0x7f;
    // OpenSSL takes long lengths with leading zero bytes too; indefinite lengths (BER) do not occur in DER certificates.
    // Its asn1_get_length wants one byte more than the length bytes left in the container, so a long-form length of an
    // empty element that ends its container (02 81 00 as a SEQUENCE's last field) is refused.
    if (count === 0 || at + count >= limit) throw new DerError("bad DER length");
    length = 0;
    for (let i = 0; i < count; i++) {
      length = length * 256 + buf[at + i]!;
      if (length > 0x7fffffff) throw new DerError("bad DER length");
    }
    at += count;
  }
  const end = at + length;
  if (end > limit) throw new DerError("DER element runs past its container");
  return { tag, start: offset, contentStart: at, end };
}

/** The elements directly inside a constructed element. */
export function readChildren(buf: Uint8Array, parent: Tlv): Tlv[] {
  const children: Tlv[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readTlv(buf, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(tlv: Tlv | undefined, tag: number, what: string): Tlv {
  if (!tlv || tlv.tag !== tag) throw new DerError(`expected ${what}`);
  return tlv;
}

export function contentOf(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.contentStart, tlv.end);
}

export function wholeOf(buf: Buffer, tlv: Tlv): Buffer {
  return buf.subarray(tlv.start, tlv.end);
}

/** An OBJECT IDENTIFIER's dotted form; refuses the encodings OpenSSL refuses (empty, unterminated, padded). */
export function decodeOid(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes[bytes.length - 1]! & 0x80) throw new DerError("bad OID");
  const parts: number[] = [];
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]!;
    if (byte === 0x80 && (i === 0 || !(bytes[i - 1]! & 0x80))) throw new DerError("bad OID");
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  const first = parts.shift() ?? 0;
  const head = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  return [...head, ...parts].join(".");
}

/** An INTEGER's content as OpenSSL accepts it: not empty, no superfluous leading 00 or FF byte. */
export function checkInteger(buf: Uint8Array, tlv: Tlv): void {
  const length = tlv.end - tlv.contentStart;
  if (length === 0) throw new DerError("empty INTEGER");
  if (length === 1) return;
  const first = buf[tlv.contentStart]!;
  const second = buf[tlv.contentStart + 1]!;
  // OpenSSL's c2i_ibuf: FF followed only by zero bytes is the minimal form of -256^n, not padding.
  let padded = first === 0;
  if (first === 0xff) for (let i = tlv.contentStart + 1; i < tlv.end && !padded; i++) padded = buf[i] !== 0;
  const negative = (first & 0x80) !== 0;
  if (padded && negative === ((second & 0x80) !== 0)) throw new DerError("INTEGER with illegal padding");
}

/** A BIT STRING's content: the unused-bits count (0–7) then the bits. */
export function checkBitString(buf: Uint8Array, tlv: Tlv): void {
  if (tlv.end === tlv.contentStart || buf[tlv.contentStart]! > 7) throw new DerError("bad BIT STRING");
}

/** Checks a value of any type the way OpenSSL's decoder does for ANY: primitive, or a string's constructed form. */
export function checkPrimitive(buf: Uint8Array, tlv: Tlv): void {
  const length = tlv.end - tlv.contentStart;
  // OpenSSL's asn1_check_eoc looks at the bytes, not the tag: 00 00 ends contents, 00 01 00 and 1f 00 00 are values.
  if (buf[tlv.start] === 0 && buf[tlv.start + 1] === 0) throw new DerError("unexpected end-of-contents");
  switch (tlv.tag) {
    case 0x01:
      if (length !== 1) throw new DerError("bad BOOLEAN");
      return;
    case 0x02:
    case 0x0a:
      checkInteger(buf, tlv);
      return;
    case 0x03:
      checkBitString(buf, tlv);
      return;
    case 0x05:
      if (length !== 0) throw new DerError("bad NULL");
      return;
    case 0x06:
      decodeOid(buf.subarray(tlv.contentStart, tlv.end));
      return;
    case 0x1c:
      if (length % 4 !== 0) throw new DerError("bad UniversalString");
      return;
    case 0x1e:
      if (length % 2 !== 0) throw new DerError("bad BMPString");
      return;
    case 0x10:
    case 0x11:
      // OpenSSL's decoder for ANY: "type not constructed".
      throw new DerError("a SEQUENCE or SET in primitive form");
    case 0x21:
    case 0x22:
    case 0x25:
    case 0x26:
    case 0x2a:
      // BOOLEAN, INTEGER, NULL, OID and ENUMERATED have no constructed form.
      throw new DerError("a primitive type in constructed form");
  }
  // A universal string type in BER's constructed form: checked as what its pieces join to.
  if (tlv.tag > 0x20 && tlv.tag < 0x40 && tlv.tag !== 0x30 && tlv.tag !== 0x31) stringContent(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength), tlv);
}

/**
 * A universal string's bytes, its pieces joined when in constructed form, checked as OpenSSL checks that type's
 * content: a BIT STRING has its unused-bits byte, a UniversalString whole 4-byte and a BMPString whole 2-byte characters.
 */
export function stringContent(buf: Buffer, tlv: Tlv): Buffer {
  const bytes = collectString(buf, tlv);
  const type = isConstructed(tlv.tag) ? tlv.tag & ~0x20 : tlv.tag;
  if (type === 0x03 && (bytes.length === 0 || bytes[0]! > 7)) throw new DerError("bad BIT STRING");
  if (type === 0x1c && bytes.length % 4 !== 0) throw new DerError("bad UniversalString");
  if (type === 0x1e && bytes.length % 2 !== 0) throw new DerError("bad BMPString");
  return bytes;
}

/** OpenSSL's ASN1_MAX_STRING_NEST: how deep constructed pieces may sit inside a constructed string. */
const MAX_STRING_NEST = 5;

export function isConstructed(tag: number): boolean {
  return tag >= LONG_TAG ? (Math.floor((tag - LONG_TAG) / CLASS_BITS) & 0x20) !== 0 : (tag & 0x20) !== 0;
}

/**
 * A string's bytes, primitive or in BER's constructed form, joined as OpenSSL's asn1_collect joins them: pieces of any
 * tag, nested at most MAX_STRING_NEST deep, no end-of-contents marker inside a definite length.
 */
export function collectString(buf: Buffer, tlv: Tlv, depth = 0): Buffer {
  if (!isConstructed(tlv.tag)) return contentOf(buf, tlv);
  const pieces: Buffer[] = [];
  for (let offset = tlv.contentStart; offset < tlv.end; ) {
    if (buf[offset] === 0 && offset + 1 < tlv.end && buf[offset + 1] === 0) throw new DerError("unexpected end-of-contents");
    const child = readTlv(buf, offset, tlv.end);
    if (isConstructed(child.tag)) {
      if (depth >= MAX_STRING_NEST) throw new DerError("a constructed string nested too deeply");
      pieces.push(collectString(buf, child, depth + 1));
    } else pieces.push(contentOf(buf, child));
    offset = child.end;
  }
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
}

/** An INTEGER's magnitude without the sign-padding zero bytes DER adds. */
export function unsignedInteger(buf: Buffer, tlv: Tlv): Buffer {
  let start = tlv.contentStart;
  while (start < tlv.end - 1 && buf[start] === 0) start++;
  return buf.subarray(start, tlv.end);
}

/** Hex digits without leading zeros ("0" for zero). */
const trimHex = (hex: string): string => hex.replace(/^0+(?=.)/, "");

/** An INTEGER as lower-case hex, minus sign when negative (two's complement), no leading zeros: as certbot prints it. */
export function signedIntegerHex(buf: Buffer, tlv: Tlv): string {
  if (!(buf[tlv.contentStart]! & 0x80)) return trimHex(unsignedInteger(buf, tlv).toString("hex"));
  const bytes = Buffer.from(buf.subarray(tlv.contentStart, tlv.end));
  let carry = 1;
  for (let i = bytes.length - 1; i >= 0; i--) {
    const value = (~bytes[i]! & 0xff) + carry;
    bytes[i] = value & 0xff;
    carry = value >> 8;
  }
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  return `-${trimHex(bytes.subarray(start).toString("hex"))}`;
}
