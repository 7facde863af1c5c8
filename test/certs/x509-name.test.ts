// Names compared as OpenSSL compares them, held to OpenSSL itself: node's X509Certificate.checkIssued runs
// X509_check_issued, which links a certificate to its issuer by X509_NAME_cmp (the certificates here have no
// authority key id, and the CA may sign certificates, so only the names decide).
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { readCertificateInfo } from "../../src/certs/certificate-info.js";
import { parseCertificatePems } from "../../src/certs/pem.js";
import { sameName } from "../../src/certs/x509-name.js";
import { encodeTlv, replaceTbsField, TBS_FIELD } from "../helpers/der-edit.js";
import { makeCa, makeLeaf } from "../helpers/pki.js";
import { createRandom, differentialSize, runSeed, type Random } from "../helpers/random.js";

const CN = Buffer.from("0603550403", "hex");
const O = Buffer.from("060355040a", "hex");
const OU = Buffer.from("060355040b", "hex");
const UTF8 = 0x0c;
const PRINTABLE = 0x13;
const T61 = 0x14;
const IA5 = 0x16;
const UNIVERSAL = 0x1c;
const BMP = 0x1e;
const NUMERIC = 0x12;

const attribute = (type: Buffer, tag: number, content: Buffer): Buffer => encodeTlv(0x30, type, encodeTlv(tag, content));
const nameOf = (...rdns: Buffer[][]): Buffer => encodeTlv(0x30, ...rdns.map((entries) => encodeTlv(0x31, ...entries)));
/** Text in a string type's own encoding (code points below U+10000 only). */
function encodeText(tag: number, text: string): Buffer {
  const points = Array.from(text, (char) => char.codePointAt(0)!);
  if (tag === UTF8) return Buffer.from(text, "utf8");
  if (tag === BMP) return Buffer.from(points.flatMap((point) => [point >> 8, point & 0xff]));
  if (tag === UNIVERSAL) return Buffer.from(points.flatMap((point) => [0, 0, point >> 8, point & 0xff]));
  return Buffer.from(points);
}
const text = (type: Buffer, tag: number, value: string): Buffer => attribute(type, tag, encodeText(tag, value));

let caDer: Buffer;
let leafDer: Buffer;
beforeAll(async () => {
  const ca = await makeCa({ name: "Name CA" });
  caDer = parseCertificatePems(ca.pem)[0]!;
  leafDer = parseCertificatePems((await makeLeaf({ domains: ["a.example"], issuer: ca })).pem)[0]!;
});

/** OpenSSL's verdict: does a certificate naming `issuerName` as its issuer link to a CA whose subject is `subjectName`? */
function openSslSame(subjectName: Buffer, issuerName: Buffer): boolean | "refused" {
  try {
    const ca = new X509Certificate(replaceTbsField(caDer, TBS_FIELD.subject, subjectName));
    return new X509Certificate(replaceTbsField(leafDer, TBS_FIELD.issuer, issuerName)).checkIssued(ca);
  } catch {
    return "refused";
  }
}

/** Ours, on names both readers take; "refused" when our certificate reader refuses either certificate. */
function ourSame(subjectName: Buffer, issuerName: Buffer): boolean | "refused" {
  try {
    readCertificateInfo(replaceTbsField(caDer, TBS_FIELD.subject, subjectName));
    readCertificateInfo(replaceTbsField(leafDer, TBS_FIELD.issuer, issuerName));
  } catch {
    return "refused";
  }
  return sameName(issuerName, subjectName);
}

describe("sameName", () => {
  const base = nameOf([text(O, PRINTABLE, "Example Org")], [text(CN, PRINTABLE, "Example CA")]);
  const cases: Array<[string, Buffer, boolean]> = [
    ["the same bytes", base, true],
    ["UTF8String instead of PrintableString", nameOf([text(O, UTF8, "Example Org")], [text(CN, UTF8, "Example CA")]), true],
    ["other letter case", nameOf([text(O, PRINTABLE, "EXAMPLE org")], [text(CN, UTF8, "example ca")]), true],
    ["white space around and inside", nameOf([text(O, IA5, "  Example\t\n Org\r")], [text(CN, PRINTABLE, "Example\x0b\x0cCA ")]), true],
    ["BMPString and UniversalString", nameOf([text(O, BMP, "Example Org")], [text(CN, UNIVERSAL, "Example CA")]), true],
    ["NumericString is compared by its bytes", nameOf([text(O, PRINTABLE, "Example Org")], [text(CN, NUMERIC, "Example CA")]), false],
    ["an empty RDN leaves no trace", encodeTlv(0x30, encodeTlv(0x31), encodeTlv(0x31, text(O, PRINTABLE, "Example Org")), encodeTlv(0x31, text(CN, PRINTABLE, "Example CA"))), true],
    ["the RDNs in the other order", nameOf([text(CN, PRINTABLE, "Example CA")], [text(O, PRINTABLE, "Example Org")]), false],
    ["both attributes in one RDN", nameOf([text(O, PRINTABLE, "Example Org"), text(CN, PRINTABLE, "Example CA")]), false],
    ["another attribute type", nameOf([text(OU, PRINTABLE, "Example Org")], [text(CN, PRINTABLE, "Example CA")]), false],
    ["one letter more", nameOf([text(O, PRINTABLE, "Example Org")], [text(CN, PRINTABLE, "Example CA2")]), false],
    ["a space inside a word", nameOf([text(O, PRINTABLE, "Example Org")], [text(CN, PRINTABLE, "Exam ple CA")]), false],
  ];
  for (const [label, issuerName, expected] of cases) {
    it(`${label}: ${expected ? "the same name" : "another name"}, as OpenSSL says`, () => {
      expect(openSslSame(base, issuerName)).toBe(expected);
      expect(ourSame(base, issuerName)).toBe(expected);
    });
  }

  it("folds only ASCII letters, and reads T61String as Latin-1, as OpenSSL does", () => {
    const latin = nameOf([text(CN, UTF8, "Zürich CA")]);
    const pairs: Array<[Buffer, Buffer, boolean]> = [
      [latin, nameOf([text(CN, T61, "zürich ca")]), true],
      [latin, nameOf([text(CN, BMP, "ZÜRICH CA")]), false],
      [latin, nameOf([text(CN, PRINTABLE, "Zürich CA")]), true],
    ];
    for (const [subject, issuer, expected] of pairs) {
      expect(openSslSame(subject, issuer)).toBe(expected);
      expect(ourSame(subject, issuer)).toBe(expected);
    }
  });

  it("compares other values as OpenSSL writes them back: a BIT STRING without its unused bits, a SEQUENCE as given", () => {
    const bits = (hex: string): Buffer => nameOf([attribute(CN, 0x03, Buffer.from(hex, "hex"))]);
    const sequence = (hex: string): Buffer => nameOf([[CN, encodeTlv(0x30, Buffer.from(hex, "hex"))].reduce((type, value) => encodeTlv(0x30, type, value))]);
    const pairs: Array<[Buffer, Buffer, boolean]> = [
      [bits("0100"), bits("0101"), true],
      [bits("0180"), bits("01c0"), false],
      [bits("00"), bits("05"), true],
      [bits("0300f8"), bits("0300ff"), true],
      [sequence("020101"), sequence("020101"), true],
      [sequence("020101"), sequence("020102"), false],
    ];
    for (const [subject, issuer, expected] of pairs) {
      expect(openSslSame(subject, issuer), issuer.toString("hex")).toBe(expected);
      expect(ourSame(subject, issuer), issuer.toString("hex")).toBe(expected);
    }
  });

  it("refuses a BMPString holding UTF-16 surrogates, as OpenSSL refuses the certificate", () => {
    for (const units of ["d800", "d83dde00", "0041dc00"]) {
      const name = nameOf([attribute(CN, BMP, Buffer.from(units, "hex"))]);
      expect(openSslSame(base, name), units).toBe("refused");
      expect(ourSame(base, name), units).toBe("refused");
    }
  });
});

// Random pairs: a name and a variant of it (case, white space, string type, entry order, RDN split, empty RDNs,
// a changed letter), each judged by both.
const seed = runSeed();
const pairs = differentialSize(150, 2000);
const TYPES = [UTF8, PRINTABLE, T61, IA5, BMP, UNIVERSAL];
const LETTERS = ["a", "B", "é", "Ü", " ", "\t", "1", "-"];

function randomText(random: Random): string {
  const length = 1 + random.int(6);
  return Array.from({ length }, () => random.pick(LETTERS)).join("");
}

function variant(random: Random, value: string): string {
  let out = value;
  if (random.chance(0.5)) out = [...out].map((char) => (random.chance(0.5) ? char.toUpperCase() : char.toLowerCase())).join("");
  if (random.chance(0.4)) out = `${random.pick([" ", "\t", "  ", "\n"])}${out}${random.pick(["", " ", "\r"])}`;
  if (random.chance(0.3)) out = out.replace(/ /g, random.pick(["  ", "\t", " \n "]));
  if (random.chance(0.15)) out = `${out}${random.pick(LETTERS)}`;
  return out;
}

describe(`sameName on generated names (seed ${seed}, NGCERT_DIFF_SEED=${seed} replays it)`, () => {
  it(`agrees with OpenSSL on ${pairs} pairs`, () => {
    const random = createRandom(seed);
    const disagreements: string[] = [];
    let same = 0;
    for (let i = 0; i < pairs; i++) {
      const entries = Array.from({ length: 1 + random.int(3) }, () => ({ type: random.pick([CN, O, OU]), tag: random.pick(TYPES), value: randomText(random) }));
      const subjectRdns = entries.map((entry) => [text(entry.type, entry.tag, entry.value)]);
      let issuerEntries = entries.map((entry) => text(entry.type, random.chance(0.5) ? random.pick(TYPES) : entry.tag, variant(random, entry.value)));
      if (random.chance(0.1)) issuerEntries = issuerEntries.map((entry, index) => (index === 0 ? text(random.pick([CN, O, OU]), NUMERIC, "1") : entry));
      let issuerName: Buffer;
      if (issuerEntries.length > 1 && random.chance(0.2)) {
        // All in one multi-valued RDN, in random order, against the subject's entries in one RDN too (or not).
        const shuffled = random.sample(issuerEntries, issuerEntries.length);
        const together = random.chance(0.7);
        issuerName = nameOf(shuffled);
        if (together) subjectRdns.splice(0, subjectRdns.length, subjectRdns.flat());
      } else {
        const rdns = issuerEntries.map((entry) => [entry]);
        if (random.chance(0.2)) rdns.splice(random.int(rdns.length + 1), 0, []);
        issuerName = nameOf(...rdns);
      }
      const subjectName = nameOf(...subjectRdns);
      const openssl = openSslSame(subjectName, issuerName);
      const ours = ourSame(subjectName, issuerName);
      if (openssl === true) same++;
      if (openssl !== ours) disagreements.push(`subject ${subjectName.toString("hex")} issuer ${issuerName.toString("hex")}: OpenSSL ${openssl}, ngcert ${ours}`);
    }
    expect(disagreements).toEqual([]);
    // The generator is worth something only if it makes both verdicts often.
    expect(same).toBeGreaterThan(pairs / 5);
    expect(same).toBeLessThan(pairs - pairs / 10);
  });
});
