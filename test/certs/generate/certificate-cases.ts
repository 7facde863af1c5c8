// Generates certificates and private keys for the DER reader's differential test: every key type and size certbot can
// make (RSA 2048-4096 and the 1024 it still accepts, EC P-256/384/521), signed by RSA and EC issuers, names of every
// kind, serials and dates at their encoding edges, hand-made odd encodings (v1, negative or zero serials,
// GeneralizedTime, BMP/Universal/T61 strings, multi-valued RDNs, long lengths), and the damage files suffer:
// truncation, flipped bytes, wrong lengths, trailing bytes.
import { createPrivateKey } from "node:crypto";
import { readChildren, readTlv } from "../../../src/certs/der.js";
import { longFormTag } from "../../helpers/der-edit.js";
import type { Random } from "../../helpers/random.js";
import { days, makeCa, makeKey, makeLeaf, type KeyAlgorithm, type LeafOptions, type TestCert, type TestKey } from "../../helpers/pki.js";

export const CERTBOT_KEYS: KeyAlgorithm[] = ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048", "rsa-3072", "rsa-4096", "rsa-1024"];

export interface CertificatePool {
  issuers: TestCert[];
  keys: Map<KeyAlgorithm, TestKey[]>;
}

/** `keysPerType` keys of every type: RSA 4096 keys take seconds to make. */
export async function makeCertificatePool(keysPerType = 2): Promise<CertificatePool> {
  const issuers = [
    await makeCa({ name: "EC P-256 Issuer", algorithm: "ecdsa-p256" }),
    await makeCa({ name: "EC P-384 Issuer", algorithm: "ecdsa-p384" }),
    await makeCa({ name: "RSA Issuer", algorithm: "rsa-2048" }),
  ];
  const keys = new Map<KeyAlgorithm, TestKey[]>();
  for (const algorithm of CERTBOT_KEYS) keys.set(algorithm, await Promise.all(Array.from({ length: keysPerType }, () => makeKey(algorithm))));
  return { issuers, keys };
}

export interface CertificateCase {
  label: string;
  der: Buffer;
  /** The certificate's issuer, to check the signature with; absent for hand-edited certificates. */
  issuer: TestCert | undefined;
}

const NAMES: [string, () => Omit<LeafOptions, "issuer">][] = [
  ["one DNS name", () => ({ domains: ["example.com"] })],
  ["many DNS names", () => ({ domains: Array.from({ length: 40 }, (_, i) => `host-${i}.example.com`) })],
  ["very many DNS names (3-byte lengths)", () => ({ domains: Array.from({ length: 1600 }, (_, i) => `a-rather-long-host-name-${i}.example.com`) })],
  ["wildcard", () => ({ domains: ["*.example.com", "example.com"] })],
  ["CN only", () => ({ domains: ["cn-only.example"], noSan: true })],
  ["no CN", () => ({ domains: ["no-cn.example"], commonName: null })],
  ["IPv4 and IPv6", () => ({ domains: ["ip.example"], ipAddresses: ["192.0.2.7", "2001:db8::7", "::1", "fe80::1:2:3:4", "::ffff:192.0.2.1"] })],
  ["raw UTF-8 DNS name", () => ({ domains: [], commonName: null, rawSan: { dns: ["bücher.example", "例え.テスト"] } })],
  ["unusual IP lengths", () => ({ domains: [], commonName: null, rawSan: { ip: [new Uint8Array(8), new Uint8Array(32), new Uint8Array(0)] } })],
];

const DATES: [string, () => { notBefore: Date; notAfter: Date }][] = [
  ["now", () => ({ notBefore: new Date(Date.now() - days(1)), notAfter: new Date(Date.now() + days(90)) })],
  ["before 1970", () => ({ notBefore: new Date("1960-01-01T00:00:00Z"), notAfter: new Date("2049-12-31T23:59:59Z") })],
  ["2049/2050 boundary", () => ({ notBefore: new Date("2049-12-31T23:59:59Z"), notAfter: new Date("2050-01-01T00:00:00Z") })],
  ["far future", () => ({ notBefore: new Date("2030-05-05T05:05:05Z"), notAfter: new Date("9999-12-31T23:59:59Z") })],
];

const SERIALS = ["01", "7f", "0080", "00ff", "7fffffffffffffffffffffffffffffffffffffff", "0a1b2c3d", "00000001", "1234567890abcdef1234567890abcdef"];

export async function generateCertificate(random: Random, pool: CertificatePool): Promise<CertificateCase> {
  const [nameLabel, names] = random.pick(NAMES);
  const [dateLabel, dates] = random.pick(DATES);
  const algorithm = random.pick(CERTBOT_KEYS);
  const issuer = random.pick(pool.issuers);
  const serial = random.chance(0.5) ? random.pick(SERIALS) : undefined;
  const leaf = await makeLeaf({ ...names(), ...dates(), issuer, key: random.pick(pool.keys.get(algorithm)!), ...(serial ? { serial } : {}) });
  const der = Buffer.from(leaf.certificate.rawData);
  const label = `${algorithm} leaf by ${issuer.name}, ${nameLabel}, ${dateLabel}${serial ? `, serial ${serial}` : ""}`;
  if (random.chance(0.3)) return oddEncoding(random, der, label);
  return { label, der, issuer };
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const content = Buffer.concat(contents);
  const n = content.length;
  const header =
    n < 0x80 ? [tag, n] : n < 0x100 ? [tag, 0x81, n] : n < 0x10000 ? [tag, 0x82, n >> 8, n & 0xff] : [tag, 0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from(header), content]);
}

const oid = (hex: string): Buffer => tlv(0x06, Buffer.from(hex, "hex"));
const CN = "550403";
const O = "55040a";

/** The certificate with tbsCertificate's fields replaced (the signature no longer matches: parsing is what is tested). */
function rebuild(der: Buffer, edit: (fields: Buffer[]) => Buffer[]): Buffer {
  const [tbs, algorithm, signature] = readChildren(der, readTlv(der, 0));
  const whole = (t: { start: number; end: number }): Buffer => der.subarray(t.start, t.end);
  const fields = readChildren(der, tbs!).map(whole);
  return tlv(0x30, tlv(0x30, ...edit(fields)), whole(algorithm!), whole(signature!));
}

function oddEncoding(random: Random, der: Buffer, label: string): CertificateCase {
  const edits: [string, (fields: Buffer[]) => Buffer[]][] = [
    // fields: [0] version, serial, signature, issuer, validity, subject, spki, [3] extensions
    ["v1 (no version, no extensions)", (f) => f.slice(1, 7)],
    ["negative serial", (f) => [f[0]!, tlv(0x02, Buffer.from("ff3c", "hex")), ...f.slice(2)]],
    ["zero serial", (f) => [f[0]!, tlv(0x02, Buffer.from([0])), ...f.slice(2)]],
    ["serial with a superfluous leading zero", (f) => [f[0]!, tlv(0x02, Buffer.from("00000a", "hex")), ...f.slice(2)]],
    ["GeneralizedTime before 2050", (f) => [...f.slice(0, 4), tlv(0x30, tlv(0x18, Buffer.from("20260101000000Z")), tlv(0x18, Buffer.from("20270101000000Z"))), ...f.slice(5)]],
    ["UTCTime without seconds", (f) => [...f.slice(0, 4), tlv(0x30, tlv(0x17, Buffer.from("2601010000Z")), tlv(0x17, Buffer.from("2701010000Z"))), ...f.slice(5)]],
    ["time with an offset", (f) => [...f.slice(0, 4), tlv(0x30, tlv(0x17, Buffer.from("260101000000+0100")), tlv(0x17, Buffer.from("270101000000Z"))), ...f.slice(5)]],
    ["BMPString CN", (f) => [...f.slice(0, 5), tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), tlv(0x1e, Buffer.from("\u00fcber.example".split("").flatMap((c) => [0, c.charCodeAt(0)])))))), ...f.slice(6)]],
    ["UniversalString CN", (f) => [...f.slice(0, 5), tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), tlv(0x1c, Buffer.from("univ.example".split("").flatMap((c) => [0, 0, 0, c.charCodeAt(0)])))))), ...f.slice(6)]],
    ["T61String CN", (f) => [...f.slice(0, 5), tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), tlv(0x14, Buffer.from([0x74, 0xe9, 0x2e, 0x65, 0x78]))))), ...f.slice(6)]],
    ["multi-valued RDN", (f) => [...f.slice(0, 5), tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), tlv(0x0c, Buffer.from("multi.example"))), tlv(0x30, oid(O), tlv(0x0c, Buffer.from("Org"))))), ...f.slice(6)]],
    ["two CNs", (f) => [...f.slice(0, 5), tlv(0x30, tlv(0x31, tlv(0x30, oid(CN), tlv(0x0c, Buffer.from("first.example")))), tlv(0x31, tlv(0x30, oid(CN), tlv(0x0c, Buffer.from("second.example"))))), ...f.slice(6)]],
    ["empty subject", (f) => [...f.slice(0, 5), tlv(0x30), ...f.slice(6)]],
    // The long form of a low tag number (1f 02 for 02): what a flipped bit makes of the byte before a length.
    ["serial tag in the long form", (f) => [f[0]!, longFormTag(f[1]!), ...f.slice(2)]],
    ["subject tag in the long form, padded", (f) => [...f.slice(0, 5), longFormTag(f[5]!, true), ...f.slice(6)]],
    ["public key tags in the long form", (f) => [...f.slice(0, 6), spkiWithLongTags(f[6]!), ...f.slice(7)]],
  ];
  const [name, edit] = random.pick(edits);
  return { label: `${label}, ${name}`, der: rebuild(der, edit), issuer: undefined };
}

/** An RSA key's two INTEGERs with long-form tags; for an EC key (a point, not DER) the algorithm OID's tag. */
function spkiWithLongTags(spki: Buffer): Buffer {
  const whole = (buf: Buffer) => (t: { start: number; end: number }): Buffer => buf.subarray(t.start, t.end);
  const [algorithm, bits] = readChildren(spki, readTlv(spki, 0)).map(whole(spki));
  const bitsTlv = readTlv(bits!, 0);
  const key = bits!.subarray(bitsTlv.contentStart + 1, bitsTlv.end);
  if (key[0] !== 0x30) {
    const [algorithmOid, ...parameters] = readChildren(algorithm!, readTlv(algorithm!, 0)).map(whole(algorithm!));
    return tlv(0x30, tlv(0x30, longFormTag(algorithmOid!), ...parameters), bits!);
  }
  const integers = readChildren(key, readTlv(key, 0)).map((t) => longFormTag(whole(key)(t)));
  return tlv(0x30, algorithm!, tlv(0x03, Buffer.from([0]), tlv(0x30, ...integers)));
}

/** Damaged copies of a certificate, as a bad copy or a bad editor leaves them. */
export function corrupt(random: Random, der: Buffer): { label: string; der: Buffer } {
  const roll = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 3][random.int(20)]!;
  if (roll === 0) {
    const at = random.int(der.length);
    return { label: `truncated to ${at} bytes`, der: der.subarray(0, at) };
  }
  if (roll === 1) {
    const copy = Buffer.from(der);
    const at = random.int(copy.length);
    copy[at] = copy[at]! ^ (1 << random.int(8));
    return { label: `bit flipped at ${at}`, der: copy };
  }
  if (roll === 2) {
    const copy = Buffer.from(der);
    const at = random.int(Math.min(copy.length, 60));
    copy[at] = random.int(256);
    return { label: `header byte ${at} replaced`, der: copy };
  }
  if (roll === 3) return { label: "trailing bytes", der: Buffer.concat([der, Buffer.from(random.pick(["00", "0500", "ffff", "3000"]), "hex")]) };
  const copy = Buffer.from(der);
  // A length byte one off: the commonest hand-edit mistake.
  const at = 1 + random.int(Math.min(copy.length - 1, 200));
  copy[at] = (copy[at]! + (random.chance(0.5) ? 1 : 255)) & 0xff;
  return { label: `byte ${at} off by one`, der: copy };
}

export interface KeyCase {
  label: string;
  pem: string;
}

/** A private key in one of the encodings certbot, OpenSSL or a person may have written it in. */
export function keyEncodings(key: TestKey): KeyCase[] {
  const object = createPrivateKey(key.privateKeyPem);
  const cases: KeyCase[] = [{ label: `${key.algorithm} PKCS#8`, pem: key.privateKeyPem }];
  if (key.algorithm.startsWith("rsa")) cases.push({ label: `${key.algorithm} PKCS#1`, pem: String(object.export({ type: "pkcs1", format: "pem" })) });
  else cases.push({ label: `${key.algorithm} SEC1`, pem: String(object.export({ type: "sec1", format: "pem" })) });
  cases.push({ label: `${key.algorithm} PKCS#8 with CRLF`, pem: key.privateKeyPem.replace(/\n/g, "\r\n") });
  return cases;
}
