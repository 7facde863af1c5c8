// A throw-away CA and a certificate for Pebble's own HTTPS listener, made at test time so it never expires.
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { makeCa, makeLeaf } from "../helpers/pki.js";

export interface PebbleTls {
  /** The CA certbot must trust (REQUESTS_CA_BUNDLE) to talk to Pebble. */
  caFile: string;
  caPem: string;
  certFile: string;
  keyFile: string;
}

export async function writePebbleTls(dir: string): Promise<PebbleTls> {
  const ca = await makeCa({ name: "ngcert test world Pebble listener CA" });
  const leaf = await makeLeaf({ domains: ["localhost"], ipAddresses: ["127.0.0.1", "::1"], issuer: ca });
  const files = { caFile: path.join(dir, "ca.pem"), certFile: path.join(dir, "cert.pem"), keyFile: path.join(dir, "key.pem") };
  await writeFile(files.caFile, ca.pem);
  await writeFile(files.certFile, leaf.pem);
  await writeFile(files.keyFile, leaf.key.privateKeyPem, { mode: 0o600 });
  return { ...files, caPem: ca.pem };
}
