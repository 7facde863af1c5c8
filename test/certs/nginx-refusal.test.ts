// Certificates nginx refuses although they parse: nginx itself (`nginx -t`, which loads every ssl_certificate) is the
// oracle for what ngcert reports as UNREADABLE — small RSA keys, SHA-1 signatures, bytes after the DER.
import { execa } from "execa";
import { createPrivateKey } from "node:crypto";
import { accessSync, constants } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readLineageFacts } from "../../src/certbot/read-lineage.js";
import { parsePem } from "../../src/certs/pem.js";
import { encodeTlv, replaceTbsField, resign, TBS_FIELD, toPem } from "../helpers/der-edit.js";
import { writeLineage } from "../helpers/lineage-tree.js";
import { makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { findFreePorts } from "../../src/world/free-ports.js";

function findNginx(): string | undefined {
  for (const dir of [...(process.env.PATH ?? "").split(path.delimiter), "/usr/sbin", "/sbin"]) {
    try {
      accessSync(path.join(dir, "nginx"), constants.X_OK);
      return path.join(dir, "nginx");
    } catch {
      // not here
    }
  }
  return undefined;
}

const nginx = findNginx();
if (!nginx && (process.env.CI === "true" || process.env.CI === "1")) throw new Error("CI=true and nginx is not installed");

let root: string;
let port: number;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "ngcert-nginx-refusal-"));
  [port] = (await findFreePorts([{}])) as [number];
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** nginx's verdict on serving fullchain.pem + privkey.pem of lineage `name`: undefined when it loads them. */
async function nginxRefuses(name: string): Promise<string | undefined> {
  const live = path.join(root, "letsencrypt", "live", name);
  const conf = path.join(root, `${name}.nginx.conf`);
  await writeFile(
    conf,
    `pid ${root}/${name}.pid; error_log ${root}/${name}.error.log; events {} http { access_log off; server { listen 127.0.0.1:${port} ssl; ` +
      `ssl_certificate ${live}/fullchain.pem; ssl_certificate_key ${live}/privkey.pem; } }\n`,
  );
  const result = await execa(nginx!, ["-t", "-q", "-c", conf, "-p", root, "-e", path.join(root, `${name}.error.log`)], { reject: false });
  return result.exitCode === 0 ? undefined : String(result.stderr).trim();
}

describe.skipIf(!nginx)("what nginx refuses to load, ngcert reports as UNREADABLE", () => {
  let rootCa: TestCert;
  let intermediate: TestCert;
  beforeAll(async () => {
    rootCa = await makeCa({ name: "Refusal Root" });
    intermediate = await makeCa({ name: "Refusal R1", issuer: rootCa });
  });

  const cases: [string, boolean, () => Promise<{ leaf: TestCert; chain?: TestCert[]; cert?: string }>][] = [
    ["an ECDSA P-256 certificate", false, async () => ({ leaf: await makeLeaf({ domains: ["ok.example"], issuer: intermediate }) })],
    ["an RSA 2048 certificate", false, async () => ({ leaf: await makeLeaf({ domains: ["rsa.example"], issuer: intermediate, algorithm: "rsa-2048" }) })],
    ["an RSA 1024 certificate", true, async () => ({ leaf: await makeLeaf({ domains: ["small.example"], issuer: intermediate, algorithm: "rsa-1024" }) })],
    ["a certificate signed with SHA-1", true, async () => ({ leaf: await makeLeaf({ domains: ["sha1.example"], issuer: intermediate, signatureHash: "SHA-1" }) })],
    // OpenSSL does not judge the signature of a self-signed certificate: subject and issuer the same name to
    // X509_NAME_cmp (here in other letters and as a UTF8String) and its own key's signature.
    ["a SHA-1 certificate that signed itself, its issuer its subject in other letters", false, async () => sha1SignedByItself("SELF-SHA1.example")],
    ["a SHA-1 certificate that signed itself under another issuer name", true, async () => sha1SignedByItself("other.example")],
    [
      "a chain certificate with an RSA 1024 key",
      true,
      async () => {
        const weak = await makeCa({ name: "Weak R1", issuer: rootCa, algorithm: "rsa-1024" });
        return { leaf: await makeLeaf({ domains: ["weak-chain.example"], issuer: weak }), chain: [weak] };
      },
    ],
    [
      "a certificate with bytes after its DER",
      true,
      async () => {
        const leaf = await makeLeaf({ domains: ["trailing.example"], issuer: intermediate });
        return { leaf, cert: toPem("CERTIFICATE", Buffer.concat([parsePem(leaf.pem)[0]!.der, Buffer.from([5, 0])])) };
      },
    ],
  ];

  /** A leaf (CN=self-sha1.example) naming `issuerCn` as its issuer, signed with SHA-1 by its own key. */
  async function sha1SignedByItself(issuerCn: string): Promise<{ leaf: TestCert }> {
    const leaf = await makeLeaf({ domains: ["self-sha1.example"], issuer: intermediate, signatureHash: "SHA-1" });
    const issuer = encodeTlv(0x30, encodeTlv(0x31, encodeTlv(0x30, Buffer.from("0603550403", "hex"), encodeTlv(0x0c, Buffer.from(issuerCn)))));
    const der = resign(replaceTbsField(parsePem(leaf.pem)[0]!.der, TBS_FIELD.issuer, issuer), createPrivateKey(leaf.key.privateKeyPem), "sha1");
    return { leaf: { ...leaf, pem: toPem("CERTIFICATE", der) } };
  }

  for (const [what, refused, make] of cases) {
    it(`${what}: nginx ${refused ? "refuses" : "loads"} it, ngcert ${refused ? "says UNREADABLE" : "is content"}`, async () => {
      const name = what.replace(/\W+/g, "-");
      const { leaf, chain = [intermediate], cert } = await make();
      const le = path.join(root, "letsencrypt");
      await writeLineage(le, { name, leaf, chain, ...(cert ? { files: { cert, fullchain: cert + chain.map((c) => c.pem).join("") } } : {}) });
      const verdict = await nginxRefuses(name);
      const unreadable = readLineageFacts(le, name, true).fileProblems.filter((problem) => problem.code === "UNREADABLE");
      expect(verdict !== undefined, verdict ?? "nginx loaded it").toBe(refused);
      expect(unreadable.length > 0, JSON.stringify(unreadable)).toBe(refused);
    });
  }
});
