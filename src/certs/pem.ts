// Splits PEM text into its labelled blocks (a fullchain holds several certificates), and reads a certificate file the
// way OpenSSL's PEM_read_bio_X509 does: certificates in order, other blocks and text around them skipped (and kept
// aside here, so what else the file holds can be reported).

export interface PemBlock {
  label: string;
  der: Buffer;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\s]*?)-----END \1-----/g;

export class PemError extends Error {}

export function parsePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const body = match[2]!.replace(/\s+/g, "");
    if (body.length === 0 || body.length % 4 !== 0) throw new PemError(`the ${match[1]} block is not valid base64`);
    blocks.push({ label: match[1]!, der: Buffer.from(body, "base64") });
  }
  return blocks;
}

/** Labels OpenSSL reads as a certificate. */
const CERTIFICATE_LABELS = new Set(["CERTIFICATE", "X509 CERTIFICATE"]);

export interface CertificateFile {
  /** DER of every certificate block, in file order. */
  certificates: Buffer[];
  /** Labels of the other blocks (a private key, a CSR...), which OpenSSL skips. */
  otherBlocks: string[];
}

/** Every certificate in the text; throws PemError when there is none. */
export function readCertificateFile(text: string): CertificateFile {
  const blocks = parsePem(text);
  const certificates = blocks.filter((block) => CERTIFICATE_LABELS.has(block.label)).map((block) => block.der);
  const otherBlocks = blocks.filter((block) => !CERTIFICATE_LABELS.has(block.label)).map((block) => block.label);
  if (certificates.length === 0) {
    throw new PemError(otherBlocks.length === 0 ? "no PEM certificate found" : `holds ${describeBlocks(otherBlocks)} but no certificate`);
  }
  return { certificates, otherBlocks };
}

/** "a PRIVATE KEY block", "2 PRIVATE KEY blocks and a CERTIFICATE REQUEST block" */
export function describeBlocks(labels: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const label of labels) counts.set(label, (counts.get(label) ?? 0) + 1);
  const parts = [...counts].map(([label, count]) => (count === 1 ? `a ${label} block` : `${count} ${label} blocks`));
  return parts.length <= 1 ? (parts[0] ?? "nothing") : `${parts.slice(0, -1).join(", ")} and ${parts[parts.length - 1]}`;
}

/** The DER of every CERTIFICATE block; throws when there is none or another kind of block is mixed in. */
export function parseCertificatePems(text: string): Buffer[] {
  const { certificates, otherBlocks } = readCertificateFile(text);
  if (otherBlocks.length > 0) throw new PemError(`holds ${describeBlocks(otherBlocks)} where only certificates belong`);
  return certificates;
}
