// A minimal DER writer: the few ASN.1 types an X.509 certificate is made of, so ngcert can make the one certificate it
// needs at run time (the demo's local CA, see issue-certificate.ts) with node:crypto alone.

/** One encoded element: tag, length, content. */
export function encodeTlv(tag: number, content: Uint8Array): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) header = [tag, length];
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

export const sequence = (...items: Uint8Array[]): Buffer => encodeTlv(0x30, Buffer.concat(items));
export const set = (...items: Uint8Array[]): Buffer => encodeTlv(0x31, Buffer.concat(items));
export const octetString = (content: Uint8Array): Buffer => encodeTlv(0x04, content);
export const booleanTrue = (): Buffer => encodeTlv(0x01, Buffer.from([0xff]));
export const utf8String = (text: string): Buffer => encodeTlv(0x0c, Buffer.from(text, "utf8"));
/** A constructed context-specific tag ([n] EXPLICIT). */
export const explicit = (n: number, content: Uint8Array): Buffer => encodeTlv(0xa0 | n, content);
/** A primitive context-specific tag ([n] IMPLICIT of a primitive type). */
export const implicit = (n: number, content: Uint8Array): Buffer => encodeTlv(0x80 | n, content);

/** A BIT STRING of whole bytes (no unused bits): signatures and keys. */
export function bitString(content: Uint8Array): Buffer {
  return encodeTlv(0x03, Buffer.concat([Buffer.from([0]), content]));
}

/** A non-negative INTEGER from its big-endian bytes, minimal and with a leading zero where the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = Buffer.from(bytes.subarray(start));
  return encodeTlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function smallInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) throw new RangeError(`${value} is not a small non-negative integer`);
  const bytes: number[] = [];
  for (let rest = value; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
  return unsignedInteger(Buffer.from(bytes.length === 0 ? [0] : bytes));
}

export function objectIdentifier(dotted: string): Buffer {
  const parts = dotted.split(".").map(Number);
  if (parts.length < 2 || parts.some((part) => !Number.isInteger(part) || part < 0)) throw new RangeError(`${dotted} is not an object identifier`);
  const bytes = [parts[0]! * 40 + parts[1]!];
  for (const part of parts.slice(2)) {
    const chunk = [part & 0x7f];
    for (let rest = Math.floor(part / 128); rest > 0; rest = Math.floor(rest / 128)) chunk.unshift(0x80 | (rest & 0x7f));
    bytes.push(...chunk);
  }
  return encodeTlv(0x06, Buffer.from(bytes));
}

/** UTCTime through 2049, GeneralizedTime after, as RFC 5280 requires; always whole seconds in UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString();
  const digits = iso.slice(0, 19).replace(/[-:T]/g, "");
  return date.getUTCFullYear() < 2050 ? encodeTlv(0x17, Buffer.from(`${digits.slice(2)}Z`, "ascii")) : encodeTlv(0x18, Buffer.from(`${digits}Z`, "ascii"));
}
