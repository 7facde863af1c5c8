// One ngcert writer at a time: a second waits briefly, then fails naming the holder. The lock is flock(2), so a
// holder that dies (even by SIGKILL) releases it, a lock file that names a dead or reused pid or holds garbage never
// blocks, and programs the holder starts pass through with its token.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { acquireWriterLock, LOCK_TOKEN_ENV, lockFilePath } from "../../src/fs/writer-lock.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ngcert-lock-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = (): string => lockFilePath(dir);

/** A child process that takes the lock with flock(1) on the same file and holds it until killed. */
function holdInChild(): Promise<{ kill: (signal: NodeJS.Signals) => Promise<void> }> {
  mkdirSync(path.dirname(lockFile()), { recursive: true, mode: 0o700 });
  // --close: the command does not inherit the lock, so killing flock(1) itself is what a crashed holder is.
  // The command ends when our end of its stdin closes, so nothing outlives the test.
  const child = spawn("flock", ["--exclusive", "--close", lockFile(), "sh", "-c", "echo held; exec cat >/dev/null"], { stdio: ["pipe", "pipe", "ignore"] });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () =>
      resolve({
        kill: (signal) =>
          new Promise((done) => {
            child.once("exit", () => {
              child.stdin!.end();
              done();
            });
            process.kill(child.pid!, signal);
          }),
      }),
    );
    child.once("error", reject);
  });
}

describe("acquireWriterLock", () => {
  it("makes a second writer wait, then fail naming the holder; after release the next one gets it", async () => {
    const first = await acquireWriterLock(dir, { command: "add", env: {} });
    const started = Date.now();
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 400 })).rejects.toThrow(NgcertError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(
      new RegExp(`\`ngcert add\` \\(pid ${process.pid}, since .*\\) is changing this server; try again when it has finished \\(lock: ${lockFile().replace(/[.]/g, "\\.")}\\)`),
    );
    first.release();
    const third = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
    expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, command: "init" });
    third.release();
  });

  it("a waiting writer gets the lock as soon as the holder releases it", async () => {
    const first = await acquireWriterLock(dir, { command: "add", env: {} });
    setTimeout(() => first.release(), 300);
    const started = Date.now();
    const second = await acquireWriterLock(dir, { command: "renew", env: {}, waitMs: 5_000 });
    expect(Date.now() - started).toBeLessThan(4_000);
    second.release();
  });

  it("lets programs the holder starts (certbot, and through it ngcert's hooks) pass with the holder's token", async () => {
    const holder = await acquireWriterLock(dir, { command: "add", env: {} });
    expect(Object.keys(holder.env)).toEqual([LOCK_TOKEN_ENV]);
    const nested = await acquireWriterLock(dir, { command: "hook deploy", env: holder.env, waitMs: 0 });
    expect(nested.owned).toBe(false);
    nested.release();
    // The nested release leaves the holder's lock alone.
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(/is changing this server/);
    await expect(acquireWriterLock(dir, { command: "hook deploy", env: { [LOCK_TOKEN_ENV]: "forged" }, waitMs: 0 })).rejects.toThrow(/is changing this server/);
    holder.release();
  });

  it("is free as soon as a holder process is killed with SIGKILL, whatever its lock file says", async () => {
    const child = await holdInChild();
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(/another ngcert is changing this server|is changing this server/);
    await child.kill("SIGKILL");
    const lock = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
    lock.release();
  });

  it("is not blocked by a lock file naming a dead (or reused) pid, nor by one a full disk left empty or garbled", async () => {
    mkdirSync(path.dirname(lockFile()), { recursive: true, mode: 0o700 });
    for (const content of [JSON.stringify({ pid: 1, token: "x", command: "add", since: "2026-01-01T00:00:00.000Z", startTicks: 1, bootId: "old" }), "", "{\"pid\":"]) {
      writeFileSync(lockFile(), content, { mode: 0o600 });
      const lock = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
      expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, command: "init" });
      lock.release();
    }
  });

  it("a token inherited from a holder that has died passes through nobody: the lock is taken for real", async () => {
    const child = await holdInChild();
    writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 99, token: "t0k3n", command: "renew", since: "2026-01-01T00:00:00.000Z" }));
    await child.kill("SIGKILL");
    const lock = await acquireWriterLock(dir, { command: "hook deploy", env: { [LOCK_TOKEN_ENV]: "t0k3n" }, waitMs: 0 });
    expect(lock.owned).toBe(true);
    lock.release();
  });

  it("keeps the lock file private (0600, never through a symlink) inside a 0700 state dir", async () => {
    const lock = await acquireWriterLock(dir, { command: "init", env: {} });
    expect(statSync(lockFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(lockFile())).mode & 0o777).toBe(0o700);
    lock.release();
    rmSync(lockFile());
    symlinkSync(path.join(dir, "elsewhere"), lockFile());
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(/cannot open ngcert's lock .*ELOOP/);
    expect(existsSync(path.join(dir, "elsewhere"))).toBe(false);
  });

  it("removes the letsencrypt dir it had to create, when nothing else was put there", async () => {
    const fresh = path.join(dir, "letsencrypt");
    const lock = await acquireWriterLock(fresh, { command: "init", env: {} });
    expect(existsSync(fresh)).toBe(true);
    lock.release();
    expect(existsSync(fresh)).toBe(false);
  });
});

describe("acquireWriterLock without the right to write", () => {
  it.skipIf(process.getuid?.() === 0)("says that changing the server needs root", async () => {
    const readOnly = path.join(dir, "read-only");
    mkdirSync(readOnly, { mode: 0o555 });
    await expect(acquireWriterLock(readOnly, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(/cannot take ngcert's lock in .*read-only \(EACCES\): changing this server needs root; run it with sudo/);
  });
});

describe("lockWaitMs", () => {
  it("reads NGCERT_LOCK_WAIT in seconds, 10 s when unset or not a number", async () => {
    const { lockWaitMs } = await import("../../src/fs/writer-lock.js");
    expect(lockWaitMs({})).toBe(10_000);
    expect(lockWaitMs({ NGCERT_LOCK_WAIT: "120" })).toBe(120_000);
    expect(lockWaitMs({ NGCERT_LOCK_WAIT: "0" })).toBe(0);
    expect(lockWaitMs({ NGCERT_LOCK_WAIT: "1.5" })).toBe(1_500);
    expect(lockWaitMs({ NGCERT_LOCK_WAIT: "soon" })).toBe(10_000);
    expect(lockWaitMs({ NGCERT_LOCK_WAIT: "-3" })).toBe(10_000);
  });
});
