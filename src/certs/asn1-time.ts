// ASN.1 times as OpenSSL reads them from a certificate (its asn1_time_to_tm, not strict X.509): a UTCTime or
// GeneralizedTime whose seconds may be missing, whose GeneralizedTime may carry fractions, ending in Z or an offset.
import { DerError, type Tlv } from "./der.js";

const isDigit = (code: number): boolean => code >= 0x30 && code <= 0x39;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * UTCTime (0x17) or GeneralizedTime (0x18) as OpenSSL reads one from a certificate: seconds may be missing, a
 * GeneralizedTime may carry fractions, either may end in Z or an offset (+hhmm/-hhmm) from UTC.
 */
export function decodeTime(buf: Buffer, tlv: Tlv): Date {
  const generalized = tlv.tag === 0x18;
  if (!generalized && tlv.tag !== 0x17) throw new DerError("expected a time");
  const a = buf.subarray(tlv.contentStart, tlv.end);
  const bad = (): never => {
    throw new DerError(`bad time ${JSON.stringify(a.toString("latin1"))}`);
  };
  const MIN = [0, 0, 1, 1, 0, 0, 0, 0, 0];
  const MAX = [99, 99, 12, 31, 23, 59, 59, 12, 59];
  const end = generalized ? 7 : 6;
  const tz = generalized ? 6 : 5;
  if (a.length < (generalized ? 13 : 11)) bad();
  let o = 0;
  const fields = [0, 0, 1, 1, 0, 0, 0];
  for (let i = 0; i < end; i++) {
    if (i === tz && (a[o] === 0x5a || a[o] === 0x2b || a[o] === 0x2d)) break;
    if (!isDigit(a[o]!)) bad();
    let n = a[o]! - 0x30;
    if (++o === a.length || !isDigit(a[o]!)) bad();
    n = n * 10 + a[o]! - 0x30;
    if (++o === a.length) bad();
    const field = generalized ? i : i + 1;
    if (n < MIN[field]! || n > MAX[field]!) bad();
    if (field === 3) {
      const year = generalized ? fields[0]! * 100 + fields[1]! : fields[1]! < 50 ? 2000 + fields[1]! : 1900 + fields[1]!;
      const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
      if (n > DAYS[fields[2]! - 1]! + (fields[2] === 2 && leap ? 1 : 0)) bad();
    }
    fields[field] = n;
  }
  let millis = 0;
  if (generalized && a[o] === 0x2e) {
    if (++o === a.length) bad();
    const start = o;
    while (o < a.length && isDigit(a[o]!)) o++;
    if (o === start || o === a.length) bad();
    millis = Math.floor(Number(`0.${a.toString("latin1", start, o)}`) * 1000);
  }
  let offsetSeconds = 0;
  if (a[o] === 0x5a) o++;
  else if (a[o] === 0x2b || a[o] === 0x2d) {
    const sign = a[o] === 0x2d ? 1 : -1;
    o++;
    if (o + 4 !== a.length) bad();
    for (let i = 0; i < 2; i++) {
      if (!isDigit(a[o]!) || !isDigit(a[o + 1]!)) bad();
      const n = (a[o]! - 0x30) * 10 + a[o + 1]! - 0x30;
      if (n < MIN[7 + i]! || n > MAX[7 + i]!) bad();
      offsetSeconds += i === 0 ? n * 3600 : n * 60;
      o += 2;
    }
    offsetSeconds *= sign;
  } else bad();
  if (o !== a.length) bad();
  const year = generalized ? fields[0]! * 100 + fields[1]! : fields[1]! < 50 ? 2000 + fields[1]! : 1900 + fields[1]!;
  const date = new Date(Date.UTC(2000, fields[2]! - 1, fields[3]!, fields[4]!, fields[5]!, fields[6]!, millis));
  date.setUTCFullYear(year);
  return new Date(date.getTime() + offsetSeconds * 1000);
}

