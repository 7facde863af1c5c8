// Three broken lineages in a small side tree, each of which only a real check catches (key match, chain signature,
// fullchain): proves the binary being timed still does the work certbot does, since the big tree has no such faults.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeCa, makeKey, makeLeaf } from "../test/helpers/pki.js";
import { writeLineage } from "../test/helpers/lineage-tree.js";
import { runTimed } from "./measure.js";
import { BrokenRun } from "./runners.js";

const EXPECTED: Record<string, string> = {
  "wrong-key.example.com": "KEY_MISMATCH",
  "forged-signature.example.com": "CHAIN_INVALID",
  "bad-fullchain.example.com": "CHAIN_INVALID",
};

export async function checkCanaries(cliPath: string, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), "ngcert-bench-canary-"));
  try {
    const letsencryptDir = path.join(dir, "letsencrypt");
    const root = await makeCa({ name: "Canary Root", algorithm: "ecdsa-p384" });
    const intermediate = await makeCa({ name: "E9", issuer: root, algorithm: "ecdsa-p384" });
    // Same subject name as the real intermediate, another key: only the signature check tells them apart.
    const impostor = await makeCa({ name: "E9", issuer: root, algorithm: "ecdsa-p384" });
    const leaf = (name: string, issuer = intermediate) => makeLeaf({ domains: [name], issuer });
    const other = await leaf("other.example.com");
    await writeLineage(letsencryptDir, { name: "wrong-key.example.com", leaf: await leaf("wrong-key.example.com"), chain: [intermediate], files: { privkey: (await makeKey()).privateKeyPem } });
    await writeLineage(letsencryptDir, { name: "forged-signature.example.com", leaf: await leaf("forged-signature.example.com", impostor), chain: [intermediate] });
    const badFullchain = await leaf("bad-fullchain.example.com");
    await writeLineage(letsencryptDir, { name: "bad-fullchain.example.com", leaf: badFullchain, chain: [intermediate], files: { fullchain: badFullchain.pem + other.pem } });
    // Twice: with an empty cache and with the cache the first run wrote.
    for (const state of ["cold", "warm"]) {
      const run = runTimed(process.execPath, [cliPath, "status", "--json", "--letsencrypt-dir", letsencryptDir, "--cache-dir", path.join(dir, "cache")], { env });
      const found = readCodes(run.stdout);
      for (const [name, code] of Object.entries(EXPECTED)) {
        if (!found.get(name)?.includes(code)) {
          throw new BrokenRun(`canary ${name} (${state}): ngcert status reported [${found.get(name)?.join(",") ?? "nothing"}], expected ${code} (exit ${run.status})`);
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readCodes(stdout: string): Map<string, string[]> {
  try {
    const document = JSON.parse(stdout) as { certificates: Array<{ name: string; problems: Array<{ code: string }> }> };
    return new Map(document.certificates.map((cert) => [cert.name, cert.problems.map((problem) => problem.code)]));
  } catch {
    return new Map();
  }
}
