// Test-time PKI: keys, CAs and leaf certificates made with @peculiar/x509 on node's WebCrypto, so fixtures never expire.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

export type KeyAlgorithm = "ecdsa-p256" | "ecdsa-p384" | "rsa-2048";

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
  switch (algorithm) {
    case "ecdsa-p256":
      return { name: "ECDSA", namedCurve: "P-256" };
    case "ecdsa-p384":
      return { name: "ECDSA", namedCurve: "P-384" };
    case "rsa-2048":
      return { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
  }
}

function signingAlgorithm(key: TestKey): webcrypto.Algorithm | webcrypto.EcdsaParams {
  return key.algorithm === "rsa-2048" ? { name: "RSASSA-PKCS1-v1_5" } : { name: "ECDSA", hash: key.algorithm === "ecdsa-p384" ? "SHA-384" : "SHA-256" };
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
}

export async function makeLeaf(options: LeafOptions): Promise<TestCert> {
  const key = options.key ?? (await makeKey(options.algorithm ?? "ecdsa-p256"));
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 90 * DAY);
  const names = [
    ...options.domains.map((value) => ({ type: "dns" as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: "ip" as const, value })),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: options.serial ?? randomSerial(),
    subject: options.domains[0] ? `CN=${options.domains[0]}` : "",
    issuer: options.issuer.certificate.subject,
    notBefore,
    notAfter,
    signingAlgorithm: signingAlgorithm(options.issuer.key),
    publicKey: key.keys.publicKey,
    signingKey: options.issuer.key.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      ...(options.authorityKeyId === undefined
        ? []
        : [options.authorityKeyId === "issuer" ? await x509.AuthorityKeyIdentifierExtension.create(options.issuer.key.keys.publicKey) : new x509.AuthorityKeyIdentifierExtension(options.authorityKeyId)]),
    ],
  });
  return { certificate, pem: certificate.toString("pem") + "\n", key, name: options.domains[0] ?? "leaf" };
}

export const days = (n: number): number => n * DAY;
