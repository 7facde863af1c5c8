// Splits PEM text into its labelled blocks (a fullchain holds several certificates).

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

/** The DER of every CERTIFICATE block; throws when there is none or another kind of block is mixed in. */
export function parseCertificatePems(text: string): Buffer[] {
  const blocks = parsePem(text);
  if (blocks.length === 0) throw new PemError("no PEM certificate found");
  const other = blocks.find((block) => block.label !== "CERTIFICATE");
  if (other) throw new PemError(`holds a ${other.label} block where only certificates belong`);
  return blocks.map((block) => block.der);
}
