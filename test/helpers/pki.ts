// Test-time PKI: keys, CAs and leaf certificates made with @peculiar/x509 on node's WebCrypto, so fixtures never expire.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "ecdsa-p521" | "rsa-1024" | "rsa-2048" | "rsa-3072" | "rsa-4096";

export interface TestKey {
  algorithm: KeyAlgorithm;
  keys: webcrypto.CryptoKeyPair;
  /** PKCS#8 PEM, as certbot writes privkey.pem. */
  privateKeyPem: string;
}

export interface TestCert {
  certificate: x509.X509Certificate;
  pem: string;
  key: TestKey;
  name: string;
}

const DAY = 86_400_000;

function generationParams(algorithm: KeyAlgorithm): webcrypto.RsaHashedKeyGenParams | webcrypto.EcKeyGenParams {
  if (algorithm.startsWith("ecdsa-")) return { name: "ECDSA", namedCurve: `P-${algorithm.slice("ecdsa-p".length)}` };
  return { name: "RSASSA-PKCS1-v1_5", modulusLength: Number(algorithm.slice("rsa-".length)), publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
}

/** How `key` signs: RSA with its key's hash (SHA-256), ECDSA with the curve's usual hash unless `hash` says otherwise. */
function signingAlgorithm(key: TestKey, hash?: string): webcrypto.Algorithm | webcrypto.EcdsaParams {
  if (key.algorithm.startsWith("rsa-")) return { name: "RSASSA-PKCS1-v1_5" };
  const usual = key.algorithm === "ecdsa-p384" ? "SHA-384" : key.algorithm === "ecdsa-p521" ? "SHA-512" : "SHA-256";
  return { name: "ECDSA", hash: hash ?? usual };
}

export async function makeKey(algorithm: KeyAlgorithm = "ecdsa-p256"): Promise<TestKey> {
  const keys = (await webcrypto.subtle.generateKey(generationParams(algorithm), true, ["sign", "verify"])) as webcrypto.CryptoKeyPair;
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { algorithm, keys, privateKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") + "\n" };
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

export interface CaOptions {
  name: string;
  /** Signs the new CA; absent: self-signed root. */
  issuer?: TestCert;
  key?: TestKey;
  algorithm?: KeyAlgorithm;
  notBefore?: Date;
  notAfter?: Date;
}

export async function makeCa(options: CaOptions): Promise<TestCert> {
  const key = options.key ?? (await makeKey(options.algorithm ?? "ecdsa-p256"));
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(Date.now() + 3650 * DAY);
  const subject = `CN=${options.name}, O=ngcert tests`;
  const extensions = [
    new x509.BasicConstraintsExtension(true, options.issuer ? 0 : undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
    await x509.SubjectKeyIdentifierExtension.create(key.keys.publicKey),
  ];
  const certificate = options.issuer
    ? await x509.X509CertificateGenerator.create({
        serialNumber: randomSerial(),
        subject,
        issuer: options.issuer.certificate.subject,
        notBefore,
        notAfter,
        signingAlgorithm: signingAlgorithm(options.issuer.key),
        publicKey: key.keys.publicKey,
        signingKey: options.issuer.key.keys.privateKey,
        extensions,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: randomSerial(),
        name: subject,
        notBefore,
        notAfter,
        signingAlgorithm: signingAlgorithm(key),
        keys: key.keys,
        extensions,
      });
  return { certificate, pem: certificate.toString("pem") + "\n", key, name: options.name };
}

export interface LeafOptions {
  domains: string[];
  ipAddresses?: string[];
  issuer: TestCert;
  key?: TestKey;
  algorithm?: KeyAlgorithm;
  notBefore?: Date;
  notAfter?: Date;
  serial?: string;
  /** Add an Authority Key Identifier: the issuer's key id, or this hex key id (what ARI's certificate identifier needs). */
  authorityKeyId?: "issuer" | string;
  /** The subject CN; default the first domain, null for none. */
  commonName?: string | null;
  /** No subjectAltName extension at all (a CN-only certificate). */
  noSan?: boolean;
  /** A subjectAltName written byte for byte: DNS names as raw UTF-8, IP addresses as their bytes. */
  rawSan?: { dns?: string[]; ip?: Uint8Array[] };
  /** The subjectAltName extension's value (inside its OCTET STRING) byte for byte, BER or broken as given. */
  sanValue?: Buffer;
  /** ECDSA issuers only: the signature's hash, e.g. "SHA-1" for a certificate nginx refuses. */
  signatureHash?: string;
}

/** DER of a subjectAltName extension value with the names as given (no IDN or IP conversion). */
export function rawSubjectAltName(names: { dns?: string[]; ip?: Uint8Array[] }): Buffer {
  const tlv = (tag: number, content: Buffer): Buffer => {
    const length = content.length;
    const header = length < 0x80 ? Buffer.from([tag, length]) : length < 0x100 ? Buffer.from([tag, 0x81, length]) : Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
    return Buffer.concat([header, content]);
  };
  const items = [...(names.dns ?? []).map((name) => tlv(0x82, Buffer.from(name, "utf8"))), ...(names.ip ?? []).map((ip) => tlv(0x87, Buffer.from(ip)))];
  return tlv(0x30, Buffer.concat(items));
}

export async function makeLeaf(options: LeafOptions): Promise<TestCert> {
  const key = options.key ?? (await makeKey(options.algorithm ?? "ecdsa-p256"));
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 90 * DAY);
  const names = [
    ...options.domains.map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const commonName = options.commonName === undefined ? options.domains[0] : (options.commonName ?? undefined);
  const san = options.sanValue
    ? [new x509.Extension("2.5.29.17", false, options.sanValue)]
    : options.rawSan
    ? [new x509.Extension("2.5.29.17", false, rawSubjectAltName(options.rawSan))]
    : options.noSan
      ? []
      : [new x509.SubjectAlternativeNameExtension(names)];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial ?? randomSerial(),
    subject: commonName ? `CN=${commonName}` : "",
    issuer: options.issuer.certificate.subject,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(options.issuer.key, options.signatureHash),
    publicKey: key.keys.publicKey,
    signingKey: options.issuer.key.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      ...san,
      ...(options.authorityKeyId === undefined
        ? []
        : [options.authorityKeyId === "issuer" ? await x509.AuthorityKeyIdentifierExtension.create(options.issuer.key.keys.publicKey) : new x509.AuthorityKeyIdentifierExtension(options.authorityKeyId)]),
    ],
  });
  return { certificate, pem: certificate.toString("pem") + "\n", key, name: options.domains[0] ?? "leaf" };
}

export const days = (n: number): number => n * DAY;
