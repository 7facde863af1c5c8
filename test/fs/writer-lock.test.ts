// One ngcert writer at a time: a second waits briefly, then fails naming the holder; crashed holders do not block.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NgcertError } from "../../src/errors.js";
import { acquireWriterLock, LOCK_TOKEN_ENV } from "../../src/fs/writer-lock.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "ngcert-lock-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lockFile = (): string => path.join(dir, ".ngcert.lock");

describe("acquireWriterLock", () => {
  it("makes a second writer wait, then fail naming the holder; after release the next one gets it", async () => {
    const first = await acquireWriterLock(dir, { command: "add", env: {} });
    const started = Date.now();
    const second = acquireWriterLock(dir, { command: "init", env: {}, waitMs: 400 });
    await expect(second).rejects.toThrow(NgcertError);
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(
      new RegExp(`\`ngcert add\` \\(pid ${process.pid}, since .*\\) is changing this server; try again when it has finished \\(lock: ${lockFile().replace(/[.]/g, "\\.")}\\)`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(350);
    first.release();
    expect(existsSync(lockFile())).toBe(false);
    const third = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
    expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, command: "init" });
    third.release();
  });

  it("a waiting writer gets the lock as soon as the holder releases it", async () => {
    const first = await acquireWriterLock(dir, { command: "add", env: {} });
    setTimeout(() => first.release(), 300);
    const second = await acquireWriterLock(dir, { command: "renew", env: {}, waitMs: 5_000 });
    second.release();
  });

  it("lets programs the holder starts (certbot, and through it ngcert's hooks) pass with the holder's token", async () => {
    const holder = await acquireWriterLock(dir, { command: "add", env: {} });
    expect(Object.keys(holder.env)).toEqual([LOCK_TOKEN_ENV]);
    const nested = await acquireWriterLock(dir, { command: "hook deploy", env: holder.env, waitMs: 0 });
    nested.release();
    expect(existsSync(lockFile())).toBe(true); // the nested release leaves the holder's lock alone
    await expect(acquireWriterLock(dir, { command: "hook deploy", env: { [LOCK_TOKEN_ENV]: "forged" }, waitMs: 0 })).rejects.toThrow(/is changing this server/);
    holder.release();
  });

  it("takes over a lock whose process is gone", async () => {
    writeFileSync(lockFile(), JSON.stringify({ pid: 2 ** 22 + 12345, token: "x", command: "add", since: "2026-01-01T00:00:00.000Z" }));
    const lock = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
    expect(JSON.parse(readFileSync(lockFile(), "utf8"))).toMatchObject({ pid: process.pid, command: "init" });
    lock.release();
  });

  it("takes over an unreadable lock file once it is a minute old, not before", async () => {
    writeFileSync(lockFile(), "");
    await expect(acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 })).rejects.toThrow(/another ngcert is changing this server/);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockFile(), old, old);
    const lock = await acquireWriterLock(dir, { command: "init", env: {}, waitMs: 0 });
    lock.release();
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
