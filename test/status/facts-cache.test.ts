// The facts cache seen from `ngcert status`: a second run is served from it, any change to a lineage's files is seen on
// the next run, the clock is never cached, and a cache someone else could have written is not trusted.
import { chmod, chown, mkdir, readdir, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { renewalConfText, writeLineage } from "../helpers/lineage-tree.js";
import { days, makeCa, makeLeaf, type TestCert } from "../helpers/pki.js";
import { setTimeout as sleep } from "node:timers/promises";
import { FactsCache, RACY_MS } from "../../src/status/facts-cache.js";
import { FIXED_NOW, runNgcert } from "../helpers/run-cli.js";
import { createWorkspace, removeWorkspace, type Workspace } from "../helpers/workspace.js";

interface Certificate {
  name: string;
  serial: string | null;
  daysLeft: number | null;
  problems: { code: string }[];
}

const SERIAL = "5e7a11";
const TAMPERED = "5e7a12";
const at = (offsetDays: number): Date => new Date(FIXED_NOW.getTime() + days(offsetDays));

let intermediate: TestCert;
let leaf: TestCert;
let otherLeaf: TestCert;
beforeAll(async () => {
  intermediate = await makeCa({ name: "Test R1", issuer: await makeCa({ name: "Test Root X1" }) });
  const dates = { notBefore: at(-30), notAfter: at(60) };
  leaf = await makeLeaf({ domains: ["cached.example"], issuer: intermediate, serial: SERIAL, ...dates });
  otherLeaf = await makeLeaf({ domains: ["cached.example"], issuer: intermediate, serial: "0de1", ...dates });
});

let workspace: Workspace;
let le: string;
beforeEach(async () => {
  workspace = await createWorkspace();
  le = workspace.letsencryptDir;
  await writeLineage(le, { name: "cached.example", leaf, chain: [intermediate] });
});
afterEach(async () => {
  await chmod(workspace.cacheDir, 0o700).catch(() => undefined);
  await removeWorkspace(workspace);
});

async function status(now = FIXED_NOW, args = workspace.args): Promise<{ code: number; certificates: Certificate[] }> {
  // Files changed within the racy window are never cached: let what the test just wrote age past it.
  await sleep(RACY_MS + 50);
  const result = await runNgcert(["status", "--json", ...args], { now });
  expect(result.stderr).toBe("");
  return { code: result.code, certificates: (JSON.parse(result.stdout) as { certificates: Certificate[] }).certificates };
}

async function only(now = FIXED_NOW): Promise<Certificate & { codes: string[] }> {
  const { certificates } = await status(now);
  expect(certificates).toHaveLength(1);
  return { ...certificates[0]!, codes: certificates[0]!.problems.map((problem) => problem.code) };
}

async function cacheFiles(): Promise<string[]> {
  return (await readdir(workspace.cacheDir).catch(() => [])).map((file) => path.join(workspace.cacheDir, file));
}

/**
 * Edits the cached serial in place (same owner, same mode): a run that then shows TAMPERED was served from the cache,
 * one that shows SERIAL read the lineage again.
 */
async function tamperCache(): Promise<string> {
  const files = await cacheFiles();
  expect(files).toHaveLength(1);
  const file = files[0]!;
  const text = await readFile(file, "utf8");
  expect(text).toContain(SERIAL);
  await writeFile(file, text.split(SERIAL).join(TAMPERED));
  return file;
}

const live = (file: string): string => path.join(le, "live", "cached.example", file);

describe("facts cache", () => {
  it("does not cache a lineage whose files changed just before the read (same-tick rewrites keep their stamp)", async () => {
    const cache = FactsCache.open(workspace.cacheDir, le);
    if (!(cache instanceof FactsCache)) throw new Error(cache.refused);
    const facts = { name: "racy.example", confPath: undefined, paths: { cert: "/c", chain: "/ch", fullchain: "/f", privkey: "/k" }, domains: [], notBefore: undefined, notAfter: undefined, serial: undefined, issuer: undefined, keyType: undefined, fingerprint: undefined, authenticator: undefined, fileProblems: [] };
    const readAt = 1_800_000_000_000;
    const stamp = (ctimeMs: number): string => `1:2:3:${ctimeMs}:${ctimeMs}|missing|missing|missing|missing`;
    cache.store("racy.example", stamp(readAt - RACY_MS + 1), facts, readAt);
    cache.store("settled.example", stamp(readAt - RACY_MS - 1), { ...facts, name: "settled.example" }, readAt);
    cache.save();
    const files = await cacheFiles();
    const entries = (JSON.parse(await readFile(files[0]!, "utf8")) as { entries: Record<string, unknown> }).entries;
    expect(Object.keys(entries)).toEqual(["settled.example"]);
  });

  it("serves the second run from the cache, with the same results", async () => {
    const first = await status();
    const files = await cacheFiles();
    expect(files).toHaveLength(1);
    expect((await stat(files[0]!)).mode & 0o777).toBe(0o600);
    expect(await status()).toEqual(first);
    await tamperCache();
    expect((await only()).serial).toBe(TAMPERED);
  });

  it("never stores private key material", async () => {
    await status();
    const text = await readFile((await cacheFiles())[0]!, "utf8");
    const keyBody = leaf.key.privateKeyPem.split("\n").slice(1, -2).join("");
    expect(text).not.toContain("PRIVATE KEY");
    expect(text).not.toContain(keyBody.slice(0, 40));
  });

  it("recomputes expiry with each run's clock, even from the cache", async () => {
    await status();
    await tamperCache();
    const expiring = await only(at(50));
    expect([expiring.serial, expiring.daysLeft, expiring.codes]).toEqual([TAMPERED, 10, ["EXPIRING"]]);
    const expired = await only(at(62));
    expect([expired.serial, expired.daysLeft, expired.codes]).toEqual([TAMPERED, -2, ["EXPIRED"]]);
    const early = await only(at(-31));
    expect([early.serial, early.codes]).toEqual([TAMPERED, ["NOT_YET_VALID"]]);
  });
});

describe("facts cache invalidation", () => {
  beforeEach(async () => {
    expect((await only()).codes).toEqual([]);
  });

  it("sees cert.pem rewritten in place", async () => {
    const before = await stat(live("cert.pem"));
    // A different size: a same-size rewrite within one clock tick leaves a stat-based stamp unchanged on kernels with
    // coarse file timestamps (before Linux 6.13), which this test would then catch only now and then.
    const text = otherLeaf.pem.length === before.size ? `${otherLeaf.pem}\n` : otherLeaf.pem;
    await writeFile(live("cert.pem"), text);
    expect((await stat(live("cert.pem"))).ino).toBe(before.ino);
    const after = await only();
    expect([after.serial, after.codes]).toEqual(["de1", ["KEY_MISMATCH", "CHAIN_INVALID"]]);
  });

  it("sees a live/ symlink re-pointed at another archive version", async () => {
    await writeFile(path.join(le, "archive", "cached.example", "privkey2.pem"), otherLeaf.key.privateKeyPem, { mode: 0o600 });
    await rm(live("privkey.pem"));
    await symlink("../../archive/cached.example/privkey2.pem", live("privkey.pem"));
    expect((await only()).codes).toEqual(["KEY_MISMATCH"]);
  });

  it("sees a whole renewal: every link moved to version 2", async () => {
    await writeLineage(le, { name: "cached.example", leaf: otherLeaf, chain: [intermediate], version: 2 });
    const after = await only();
    expect([after.serial, after.codes]).toEqual(["de1", []]);
  });

  it("sees a file whose mtime alone changed", async () => {
    await tamperCache();
    expect((await only()).serial).toBe(TAMPERED);
    const chain = path.join(le, "archive", "cached.example", "chain1.pem");
    await utimes(chain, new Date("2026-01-01T00:00:00Z"), new Date("2026-01-01T00:00:00Z"));
    expect((await only()).serial).toBe(SERIAL);
  });

  it("sees the renewal conf change", async () => {
    const conf = path.join(le, "renewal", "cached.example.conf");
    await writeFile(conf, renewalConfText(le, { name: "cached.example", leaf, chain: [], authenticator: "standalone" }));
    expect((await only()).codes).toEqual(["STANDALONE"]);
  });

  it("sees the renewal conf disappear and come back", async () => {
    const conf = path.join(le, "renewal", "cached.example.conf");
    const text = await readFile(conf, "utf8");
    await rm(conf);
    expect((await only()).codes).toEqual(["RENEWAL_CONF_INVALID"]);
    await writeFile(conf, text);
    expect((await only()).codes).toEqual([]);
  });

  it("sees a file disappear, and reappear", async () => {
    const target = path.join(le, "archive", "cached.example", "fullchain1.pem");
    const text = await readFile(target, "utf8");
    await rm(target);
    expect((await only()).codes).toEqual(["RENEWAL_CONF_INVALID", "UNREADABLE"]);
    await writeFile(target, text);
    expect((await only()).codes).toEqual([]);
  });

  it("sees lineages added and removed", async () => {
    await writeLineage(le, { name: "new.example", leaf: otherLeaf, chain: [intermediate] });
    expect((await status()).certificates.map((cert) => cert.name)).toEqual(["cached.example", "new.example"]);
    await rm(path.join(le, "renewal", "new.example.conf"));
    await rm(path.join(le, "live", "new.example"), { recursive: true });
    expect((await status()).certificates.map((cert) => cert.name)).toEqual(["cached.example"]);
  });
});

describe("facts cache trust", () => {
  beforeEach(async () => {
    await status();
  });

  it("ignores a cache file that group or others may write", async () => {
    const file = await tamperCache();
    await chmod(file, 0o620);
    expect((await only()).serial).toBe(SERIAL);
    const file2 = await tamperCache();
    await chmod(file2, 0o602);
    expect((await only()).serial).toBe(SERIAL);
  });

  // Only root can give a file away; for other users this case cannot be set up.
  it.skipIf(process.getuid?.() !== 0)("ignores a cache file owned by another user", async () => {
    const file = await tamperCache();
    await chown(file, 65534, 65534);
    expect((await only()).serial).toBe(SERIAL);
  });

  it("ignores a cache another build of ngcert wrote: the files are the same, but its verdicts may not be", async () => {
    const file = await tamperCache();
    // The tampered serial shows while the program is the same ...
    expect((await only()).serial).toBe(TAMPERED);
    const data = JSON.parse(await readFile(file, "utf8")) as { program: string };
    expect(data.program).toBe("source");
    await writeFile(file, JSON.stringify({ ...data, program: "an-older-build" }), { mode: 0o600 });
    // ... and not once another build wrote the cache.
    expect((await only()).serial).toBe(SERIAL);
  });

  it("ignores a cache that is not JSON", async () => {
    const file = (await cacheFiles())[0]!;
    await writeFile(file, "{ not json");
    expect((await only()).serial).toBe(SERIAL);
  });

  it("keeps one cache per letsencrypt dir in a shared cache dir", async () => {
    const second = path.join(workspace.root, "letsencrypt-2");
    await mkdir(second);
    await writeLineage(second, { name: "cached.example", leaf: otherLeaf, chain: [intermediate] });
    const args = ["--letsencrypt-dir", second, "--cache-dir", workspace.cacheDir, "--config", workspace.configPath];
    expect((await status(FIXED_NOW, args)).certificates[0]!.serial).toBe("de1");
    expect((await only()).serial).toBe(SERIAL);
    expect((await status(FIXED_NOW, args)).certificates[0]!.serial).toBe("de1");
    expect(await cacheFiles()).toHaveLength(2);
  });
});

describe("facts cache that cannot be written", () => {
  it("does not break status when the cache dir cannot be created", async () => {
    const blocker = path.join(workspace.root, "a-file");
    await writeFile(blocker, "");
    const args = ["--letsencrypt-dir", le, "--cache-dir", path.join(blocker, "cache"), "--config", workspace.configPath];
    const first = await status(FIXED_NOW, args);
    expect(first.code).toBe(0);
    expect(first.certificates[0]!.serial).toBe(SERIAL);
    expect(await status(FIXED_NOW, args)).toEqual(first);
  });

  // Root writes through mode 500, and the tests run as root in CI: this one only runs for other users.
  it.skipIf(process.getuid?.() === 0)("does not break status when the cache dir is read-only", async () => {
    await mkdir(workspace.cacheDir, { mode: 0o500 });
    expect((await only()).serial).toBe(SERIAL);
    expect(await cacheFiles()).toEqual([]);
  });
});

// Two bugs an earlier cache had, held fixed: entries indexed by lineage name on a plain object (so "constructor" found
// Object.prototype's), and entries read back from disk trusted whatever their shape.
describe("facts cache robustness", () => {
  it("reads a lineage named like an Object.prototype property (certbot --cert-name allows any name)", async () => {
    await writeLineage(le, { name: "constructor", leaf, chain: [intermediate] });
    const result = await status();
    expect(result.certificates.map((cert) => cert.name)).toEqual(["cached.example", "constructor"]);
  });

  it("keeps names beyond ASCII exact: the cache file is ASCII only, and a UTF-8 cache an older ngcert wrote still reads", async () => {
    const names = ["bücher.example", "😀.example"];
    for (const name of names) await writeLineage(le, { name, leaf, chain: [intermediate] });
    const first = await status();
    const file = (await cacheFiles())[0]!;
    const bytes = await readFile(file);
    expect(bytes.every((byte) => byte < 0x80)).toBe(true);
    expect(bytes.toString("latin1")).toContain("b\\u00fccher.example");
    expect(first.certificates.map((cert) => cert.name)).toEqual(["bücher.example", "cached.example", "😀.example"]);
    // Served from the cache (the tampered serial shows) under the exact names, from the ASCII file...
    await tamperCache();
    const served = await status();
    expect(served.certificates.map((cert) => [cert.name, cert.serial])).toEqual(first.certificates.map((cert) => [cert.name, TAMPERED]));
    // ...and from the same cache written as plain UTF-8, the way an older ngcert wrote it.
    await writeFile(file, JSON.stringify(JSON.parse(await readFile(file, "latin1"))), { mode: 0o600 });
    expect((await readFile(file)).some((byte) => byte > 0x7f)).toBe(true);
    expect(await status()).toEqual(served);
  });

  it("reads again when a cache entry has no facts, instead of failing every lineage", async () => {
    await status();
    const file = (await cacheFiles())[0]!;
    const data = JSON.parse(await readFile(file, "utf8")) as { entries: Record<string, unknown> };
    data.entries["cached.example"] = { stamp: "stale" };
    await writeFile(file, JSON.stringify(data));
    expect((await only()).serial).toBe(SERIAL);
  });
});
