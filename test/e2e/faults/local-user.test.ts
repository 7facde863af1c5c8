// A local user who is not root, against ngcert running as root: they cannot take the writer lock or change the
// server, cannot make nginx serve a file through a symlink planted in the challenge directory, cannot have the probe
// written through one, cannot feed status a cache of their own; and init names every directory they could write.
import { execFileSync } from "node:child_process";
import { chmod, chown, copyFile, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotTree, withoutTimes } from "../../world/file-tree.js";
import { httpGet } from "../../../src/world/http-get.js";
import { readSettledNginxProcesses } from "../../world/nginx-processes.js";
import { requirePrograms } from "../../world/programs.js";
import { CLI, describeRun, runNgcert } from "../../world/run-ngcert.js";
import { startWorld, type World } from "../../world/world.js";

const programs = requirePrograms();
const asRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const SITE = "local.ngcert.test";

describe.skipIf(programs.skip || !asRoot)(`a local user against ngcert run by root${programs.skip ? ` (skipped: ${programs.reason})` : asRoot ? "" : " (skipped: needs root to act as another user)"}`, () => {
  let world: World | undefined;
  let bundle = "";
  const w = (): World => world!;
  const challengeDir = (): string => path.join(w().dirs.webroot, ".well-known", "acme-challenge");

  /** The built CLI run as uid/gid 65534 (nobody), with the world's settings. */
  const asNobody = async (args: string[]): Promise<{ exitCode: number; stderr: string }> => {
    const result = await execa(process.execPath, [bundle, ...args], { env: w().env, extendEnv: false, reject: false, uid: NOBODY, gid: NOBODY, timeout: 30_000, cwd: "/" });
    return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr) };
  };

  beforeAll(async () => {
    world = await startWorld({ challengeServer: false });
    for (const args of [["init"], ["add", SITE, "--upstream", world.upstream.url]]) {
      const run = await runNgcert(world, args);
      expect(run.exitCode, describeRun(run)).toBe(0);
    }
    // The bundle where nobody can read it, and the world's root traversable (not listable) by nobody.
    const dir = await mkdtemp(path.join(tmpdir(), "ngcert-bundle-"));
    await chmod(dir, 0o755);
    bundle = path.join(dir, "cli.js");
    await copyFile(CLI, bundle);
    await chmod(bundle, 0o755);
    // The program the launcher runs, beside it.
    await copyFile(path.join(path.dirname(CLI), "ngcert.js"), path.join(dir, "ngcert.js"));
    await chmod(path.join(dir, "ngcert.js"), 0o644);
    await chmod(world.dirs.root, 0o711);
  });

  afterAll(async () => {
    if (bundle) await rm(path.dirname(bundle), { recursive: true, force: true });
    await world?.stop();
  });

  it("cannot change the server: every writing command says it needs root, and nothing changes", async () => {
    const before = await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir, w().dirs.webroot]);
    const nginxBefore = await readSettledNginxProcesses(w().nginx.pidFile);
    for (const args of [["reload"], ["remove", SITE], ["renew", "--force"], ["init"], ["hook", "post"]]) {
      const run = await asNobody(args);
      expect(run.exitCode, `${args.join(" ")}: ${run.stderr}`).not.toBe(0);
      expect(run.stderr, args.join(" ")).toMatch(/changing this server needs root; run it with sudo|permission denied|EACCES/i);
    }
    expect(withoutTimes(await snapshotTree([w().dirs.nginxDir, w().dirs.letsencryptDir, w().dirs.webroot]))).toEqual(withoutTimes(before));
    expect(await readSettledNginxProcesses(w().nginx.pidFile)).toEqual(nginxBefore);
  });

  it("cannot hold the writer lock to block root: the lock file is root's alone", async () => {
    const lock = path.join(w().dirs.letsencryptDir, ".ngcert", "lock");
    expect((await stat(lock)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(lock))).mode & 0o777).toBe(0o700);
    const opened = await execa("flock", ["--nonblock", lock, "true"], { reject: false, uid: NOBODY, gid: NOBODY });
    expect(opened.exitCode).not.toBe(0);
  });

  it("cannot make nginx serve a file through a symlink planted in a challenge directory it was let write to; init says so", async () => {
    const secret = path.join(w().dirs.root, "secret.txt");
    await writeFile(secret, "SECRET-CONTENT\n", { mode: 0o644 });
    await mkdir(challengeDir(), { recursive: true });
    // A careless chmod: the challenge directory writable by everyone.
    await chmod(challengeDir(), 0o777);
    execFileSync("ln", ["-s", secret, path.join(challengeDir(), "planted")], { uid: NOBODY, gid: NOBODY });
    await writeFile(path.join(challengeDir(), "plain"), "PLAIN\n", { mode: 0o644 });
    try {
      const plain = await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/plain", host: SITE });
      expect(plain.status).toBe(200);
      const planted = await httpGet({ port: w().ports.http, path: "/.well-known/acme-challenge/planted", host: SITE });
      expect(planted.status).not.toBe(200);
      expect(planted.body).not.toContain("SECRET-CONTENT");

      const init = await runNgcert(w(), ["init"]);
      expect(init.exitCode, describeRun(init)).toBe(0);
      expect(init.stderr).toContain(`warning: ${challengeDir()} is writable by everyone (mode 777)`);
    } finally {
      await rm(path.join(challengeDir(), "planted"), { force: true });
      await rm(path.join(challengeDir(), "plain"), { force: true });
      await chmod(challengeDir(), 0o755);
    }
  });

  it("cannot have ngcert's probe written through a symlink: add stops before the CA and names it", async () => {
    const elsewhere = path.join(w().dirs.root, "elsewhere");
    await mkdir(elsewhere, { recursive: true });
    await chown(elsewhere, NOBODY, NOBODY);
    await rm(challengeDir(), { recursive: true, force: true });
    await symlink(elsewhere, challengeDir());
    try {
      const run = await runNgcert(w(), ["add", "probe.ngcert.test", "--upstream", w().upstream.url]);
      expect(run.exitCode, describeRun(run)).toBe(1);
      expect(run.stderr).toContain(`${challengeDir()} is a symlink: refusing to write a probe through it`);
      expect(await readdir(elsewhere)).toEqual([]);
    } finally {
      await rm(challengeDir(), { force: true });
    }
  });

  it("cannot feed status a cache of their own: a cache dir that is theirs or writable by them is not used, and said so", async () => {
    const cache = w().dirs.cacheDir;
    await rm(cache, { recursive: true, force: true });
    await mkdir(cache, { mode: 0o755 });
    await chown(cache, NOBODY, NOBODY);
    const run = await runNgcert(w(), ["status", "--json"]);
    expect(run.exitCode, describeRun(run)).toBe(0);
    expect(run.stderr).toContain(`warning: the cache dir ${cache} belongs to uid ${NOBODY}, not to this user: not using the status cache`);
    expect(await readdir(cache)).toEqual([]);
    await chown(cache, 0, 0);
    await chmod(cache, 0o777);
    const again = await runNgcert(w(), ["status", "--json"]);
    expect(again.stderr).toContain(`warning: the cache dir ${cache} is writable by others (mode 777)`);
    await rm(cache, { recursive: true, force: true });
  });

  it("finds no private key that others can read, refused versions included", async () => {
    const archive = path.join(w().dirs.letsencryptDir, "archive");
    const keys = execFileSync("find", [archive, "-name", "privkey*.pem"], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect((await stat(key)).mode & 0o077, key).toBe(0);
    expect((await stat(archive)).mode & 0o077).toBe(0);
  });
});
