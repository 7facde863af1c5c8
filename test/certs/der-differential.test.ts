// The hand-written DER reader (src/certs) is only there for speed: this test keeps it honest against node:crypto's
// X509Certificate (OpenSSL, what nginx loads with) and @peculiar/x509 on generated certificates and keys
// (generate/certificate-cases.ts), intact and damaged. Both must accept and refuse the same inputs, and read the same
// serial, validity, names, public key, fingerprint and signature verdict. NGCERT_DIFFERENTIAL=full runs the big set.
// NGCERT_DIFF_SEED=n replays the same kinds of certificates and damage (keys are new each run); DIFF_DEBUG=1 prints
// the DER (base64) of every disagreement, for `openssl asn1parse`.
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { readCertificateInfo, type CertificateInfo } from "../../src/certs/certificate-info.js";
import { formatIpAddress, parseIpAddress } from "../../src/certs/ip-address.js";
import { parsePem } from "../../src/certs/pem.js";
import { publicKeyIdFromPrivateKeyPem, publicKeyIdFromSpki } from "../../src/certs/public-key.js";
import { isIssuedBy } from "../../src/certs/verify-issued-by.js";
import { createRandom, differentialSize, runSeed } from "../helpers/random.js";
import { corrupt, generateCertificate, keyEncodings, makeCertificatePool, type CertificatePool } from "./generate/certificate-cases.js";

const seed = runSeed();
const certificates = differentialSize(60, 1500);
const keysPerType = differentialSize(1, 3);
const damagedPerCertificate = differentialSize(8, 30);

interface Reading {
  serial: string;
  notBefore: number;
  notAfter: number;
  dns: string[];
  ips: string[];
  spki: string;
  fingerprint: string;
}

/** What OpenSSL (through node) reads, or why it refuses. */
function readWithNode(der: Buffer): Reading | { refused: string } {
  try {
    const cert = new X509Certificate(der);
    const notBefore = parseOpenSslTime(cert.validFrom);
    const notAfter = parseOpenSslTime(cert.validTo);
    if (Number.isNaN(notBefore) || Number.isNaN(notAfter)) return { refused: `bad time ${cert.validFrom} / ${cert.validTo}` };
    const spki = cert.publicKey.export({ type: "spki", format: "der" });
    const san = cert.subjectAltName ?? "";
    return {
      serial: cert.serialNumber.startsWith("-") ? `-${BigInt(`0x${cert.serialNumber.slice(1)}`).toString(16)}` : BigInt(`0x${cert.serialNumber}`).toString(16),
      notBefore,
      notAfter,
      // node prints a DNS name's bytes as Latin-1; certbot (and ngcert) read them as the UTF-8 they are.
      dns: sanEntries(san, "DNS:").map((name) => Buffer.from(name, "latin1").toString("utf8")),
      ips: sanEntries(san, "IP Address:").map((ip) => {
        const bytes = parseIpAddress(ip);
        return bytes ? formatIpAddress(bytes) : ip;
      }),
      // The key itself: OpenSSL re-encodes the SubjectPublicKeyInfo it exports, ngcert keeps the certificate's bytes.
      spki: publicKeyIdFromSpki(spki),
      fingerprint: cert.fingerprint256.replace(/:/g, "").toLowerCase(),
    };
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** OpenSSL's ASN1_TIME_print form, "Jan  1 00:00:00.5 2026 GMT"; NaN for "Bad time value". */
function parseOpenSslTime(text: string): number {
  const match = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d)(\.\d+)? (\d+) GMT$/.exec(text);
  if (!match) return Number.NaN;
  const date = new Date(Date.UTC(2000, MONTHS.indexOf(match[1]!), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]), match[6] ? Math.floor(Number(`0${match[6]}`) * 1000) : 0));
  date.setUTCFullYear(Number(match[7]));
  return date.getTime();
}

/** node prints names with a comma or quote JSON-quoted; others as they are. */
function sanEntries(san: string, prefix: string): string[] {
  const out: string[] = [];
  for (const match of san.matchAll(/(DNS:|IP Address:|[A-Za-z ]+:)("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/g)) {
    if (match[1] !== prefix) continue;
    const value = match[2]!;
    out.push(value.startsWith('"') ? (JSON.parse(value) as string) : value);
  }
  return out;
}

function readWithOurs(der: Buffer): { info: CertificateInfo; reading: Reading } | { refused: string } {
  try {
    const info = readCertificateInfo(der);
    return {
      info,
      reading: {
        serial: info.serial,
        notBefore: info.notBefore.getTime(),
        notAfter: info.notAfter.getTime(),
        dns: info.dnsNames,
        ips: info.ipAddresses,
        spki: publicKeyIdFromSpki(info.spki),
        fingerprint: createHash("sha256").update(der).digest("hex"),
      },
    };
  } catch (error) {
    return { refused: error instanceof Error ? error.message : String(error) };
  }
}

describe(`the DER reader against node:crypto and @peculiar/x509 (seed ${seed})`, () => {
  let pool: CertificatePool;

  it("reads every generated certificate as OpenSSL does, and refuses what OpenSSL refuses", { timeout: 900_000 }, async () => {
    pool = await makeCertificatePool(keysPerType);
    const random = createRandom(seed);
    const disagreements: string[] = [];
    const explained: string[] = [];
    const reencoded: string[] = [];
    let cases = 0;
    let refused = 0;
    for (let i = 0; i < certificates; i++) {
      const generated = await generateCertificate(random, pool);
      const inputs = [{ label: "intact", der: generated.der }];
      for (let d = 0; d < damagedPerCertificate; d++) inputs.push(corrupt(random, generated.der));
      for (const input of inputs) {
        cases++;
        const node = readWithNode(input.der);
        const ours = readWithOurs(input.der);
        const where = `${generated.label}, ${input.label}`;
        if ("refused" in node && "refused" in ours) {
          refused++;
          continue;
        }
        if ("refused" in ours) {
          // OpenSSL's d2i_X509 ignores bytes after the certificate; nginx's loader for the leaf (PEM_read_bio_X509_AUX)
          // reads them as trust settings and refuses garbage, as we do. certbot never writes them.
          if (/trailing bytes after the certificate/.test(ours.refused)) explained.push(where);
          else disagreements.push(`${where}: node reads it, ngcert refuses: ${ours.refused}`);
          if (process.env.DIFF_DEBUG) console.log("NR|", ours.refused, "|", where, "|", input.der.toString("base64"));
          continue;
        }
        if ("refused" in node) {
          disagreements.push(`${where}: node refuses it (${node.refused}), ngcert reads it`);
          if (process.env.DIFF_DEBUG) console.log("OR|", node.refused, "|", where, "|", input.der.toString("base64"));
          continue;
        }
        const differing = (Object.keys(node) as (keyof Reading)[]).filter((key) => JSON.stringify(node[key]) !== JSON.stringify(ours.reading[key]));
        // OpenSSL re-encodes what lies outside the signed part when it is not DER (padding bits of the signature, say):
        // its fingerprint is of those new bytes. Only damaged certificates have such bytes.
        if (differing.length === 1 && differing[0] === "fingerprint" && !Buffer.from(new X509Certificate(input.der).raw).equals(input.der)) {
          reencoded.push(where);
          continue;
        }
        if (differing.length > 0) {
          const show = (value: unknown): string => JSON.stringify(value).slice(0, 160);
          disagreements.push(`${where}: ${differing.map((key) => `${key}: node ${show(node[key])}, ngcert ${show(ours.reading[key])}`).join("; ")}`);
          if (process.env.DIFF_DEBUG) console.log("FD|", differing.join(","), "|", where, "|", input.der.toString("base64"));
          continue;
        }
        if (input.label === "intact" && generated.issuer) {
          // The signature verdict, and @peculiar/x509's reading of the same certificate.
          const issuerInfo = readCertificateInfo(parsePem(generated.issuer.pem)[0]!.der);
          const nodeVerdict = new X509Certificate(input.der).verify(createPublicKey(generated.issuer.pem));
          if (isIssuedBy(ours.info, issuerInfo) !== nodeVerdict) disagreements.push(`${where}: signature: node ${nodeVerdict}, ngcert ${!nodeVerdict}`);
          const peculiar = new x509.X509Certificate(input.der);
          const peculiarNames = peculiar.getExtension(x509.SubjectAlternativeNameExtension)?.names.items ?? [];
          const reference = {
            serial: BigInt(`0x${peculiar.serialNumber}`).toString(16),
            notBefore: peculiar.notBefore.getTime(),
            notAfter: peculiar.notAfter.getTime(),
            dns: peculiarNames.filter((name) => name.type === "dns").map((name) => Buffer.from(name.value, "latin1").toString("utf8")),
            spki: publicKeyIdFromSpki(Buffer.from(peculiar.publicKey.rawData)),
          };
          const mine = { serial: ours.reading.serial, notBefore: ours.reading.notBefore, notAfter: ours.reading.notAfter, dns: ours.reading.dns, spki: ours.reading.spki };
          if (JSON.stringify(mine) !== JSON.stringify(reference)) disagreements.push(`${where}: @peculiar/x509 ${JSON.stringify(reference)}\n  ngcert ${JSON.stringify(mine)}`);
        }
      }
    }
    console.log(`certbot differential: DER reader: ${cases} certificates (${certificates} generated, ${refused} refused by both), ${disagreements.length} disagreements, ${explained.length + reencoded.length} explained (${explained.length} with bytes after the DER, which nginx refuses too; ${reencoded.length} re-encoded by OpenSSL), seed ${seed}`);
    for (const line of disagreements.slice(0, process.env.DIFF_DEBUG ? 400 : 8)) console.log(line.length > 400 ? `${line.slice(0, 400)}…` : line);
    expect(refused).toBeGreaterThan(0);
    expect(disagreements.slice(0, 5).map((line) => line.slice(0, 400))).toEqual([]);
  });

  it("finds the same public key in every private key encoding, and refuses the same damaged keys", { timeout: 300_000 }, async () => {
    pool ??= await makeCertificatePool(keysPerType);
    const random = createRandom(seed ^ 0x5eed);
    const disagreements: string[] = [];
    let cases = 0;
    for (const keys of pool.keys.values()) {
      for (const key of keys) {
        for (const encoding of keyEncodings(key)) {
          const block = parsePem(encoding.pem)[0]!;
          const variants = [{ label: "intact", pem: encoding.pem }];
          for (let d = 0; d < damagedPerCertificate; d++) {
            const damaged = corrupt(random, block.der);
            variants.push({ label: damaged.label, pem: `-----BEGIN ${block.label}-----\n${damaged.der.toString("base64")}\n-----END ${block.label}-----\n` });
          }
          for (const variant of variants) {
            cases++;
            let reference: string;
            try {
              reference = publicKeyIdFromSpki(createPublicKey(createPrivateKey(variant.pem)).export({ type: "spki", format: "der" }));
            } catch {
              reference = "refused";
            }
            let mine: string;
            try {
              mine = publicKeyIdFromPrivateKeyPem(variant.pem);
            } catch {
              mine = "refused";
            }
            if (mine !== reference) disagreements.push(`${encoding.label}, ${variant.label}: node ${reference.slice(0, 60)}, ngcert ${mine.slice(0, 60)}`);
          }
        }
      }
    }
    console.log(`certbot differential: private keys: ${cases} keys, ${disagreements.length} disagreements, seed ${seed}`);
    for (const line of disagreements.slice(0, 8)) console.log(line);
    expect(disagreements.slice(0, 5)).toEqual([]);
  });
});
