// One ngcert writer at a time per letsencrypt dir, held with flock(2) on .ngcert/lock: the kernel releases it when
// the holder exits, however it exits, so there is no stale lock to take over, no check-then-delete race, and neither
// a reused pid nor a lock file left half-written by a full disk can block the next writer. The file's content only
// names the holder for messages. A second writer waits briefly, then fails clearly. Programs the holder starts
// (certbot, and through it ngcert's own hooks) inherit the holder's token and pass through.
import { spawn } from "node:child_process";
import { closeSync, constants, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, writeSync, existsSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { NgcertError, isNodeError } from "../errors.js";
import { readProcessIdentity, isSameProcessAlive, type ProcessIdentity } from "./process-alive.js";
import { ensureStateDir, STATE_DIR_NAME, stateDirPath } from "./state-dir.js";
import { faultStep } from "./fault-injection.js";

export const LOCK_TOKEN_ENV = "NGCERT_LOCK_TOKEN";

export interface WriterLock {
  /** Give this to child processes so ngcert hooks they run see the lock as theirs. */
  env: Record<string, string>;
  /** False when this run passes through a lock its parent holds. */
  owned: boolean;
  release(): void;
}

interface LockInfo extends ProcessIdentity {
  token: string;
  command: string;
  since: string;
}

export interface LockOptions {
  command: string;
  env: Record<string, string | undefined>;
  /** How long to wait for a holder to finish (default: NGCERT_LOCK_WAIT seconds in env, else 10 s). */
  waitMs?: number;
  /** Another lock in the state dir, e.g. "watch": one watcher per letsencrypt dir, writers unaffected. */
  lockName?: string;
}

/** NGCERT_LOCK_WAIT: seconds a writer waits for another to finish (0 = fail at once); 10 when unset or not a number. */
export function lockWaitMs(env: Record<string, string | undefined>): number {
  const text = env.NGCERT_LOCK_WAIT?.trim();
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return 10_000;
  return Math.min(Number(text), 86_400) * 1000;
}

export function lockFilePath(letsencryptDir: string, lockName = "lock"): string {
  return path.join(stateDirPath(letsencryptDir), lockName);
}

export async function acquireWriterLock(letsencryptDir: string, options: LockOptions): Promise<WriterLock> {
  const noAccess = (error: unknown): NgcertError =>
    new NgcertError("IO", `cannot take ngcert's lock in ${letsencryptDir} (${isNodeError(error) ? error.code : String(error)}): changing this server needs root; run it with sudo`, { cause: error });
  const createdDir = !existsSync(letsencryptDir);
  let fd: number;
  const file = lockFilePath(letsencryptDir, options.lockName);
  try {
    mkdirSync(letsencryptDir, { recursive: true, mode: 0o755 });
    ensureStateDir(letsencryptDir);
    // Never through a symlink, never readable by others: whoever can open the file could hold the lock.
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  } catch (error) {
    if (error instanceof NgcertError) throw error;
    if (isNodeError(error) && (error.code === "EACCES" || error.code === "EPERM" || error.code === "EROFS")) throw noAccess(error);
    throw new NgcertError("IO", `cannot open ngcert's lock ${file}: ${isNodeError(error) ? error.code : String(error)}`, { cause: error });
  }

  const inherited = options.env[LOCK_TOKEN_ENV];
  const waitMs = options.waitMs ?? lockWaitMs(options.env);
  let got = await flockFd(fd, 0);
  if (!got && inherited) {
    const holder = readLockInfo(file);
    if (holder?.token === inherited && isSameProcessAlive(holder)) {
      closeSync(fd);
      return { env: { [LOCK_TOKEN_ENV]: inherited }, owned: false, release: () => undefined };
    }
  }
  if (!got && waitMs > 0) got = await flockFd(fd, waitMs);
  if (!got) {
    closeSync(fd);
    const holder = readLockInfo(file);
    const who = holder
      ? `\`ngcert ${holder.command}\` (pid ${holder.pid}, since ${holder.since})`
      : "another ngcert";
    throw new NgcertError("LOCKED", `${who} is changing this server; try again when it has finished (lock: ${file})`);
  }
  const info: LockInfo = { ...readProcessIdentity(process.pid)!, token: randomBytes(16).toString("hex"), command: options.command, since: new Date().toISOString() };
  try {
    // Only a description of the holder: a write the disk cannot take leaves an empty file, and the lock still holds.
    ftruncateSync(fd, 0);
    writeSync(fd, JSON.stringify(info), 0);
  } catch {
    // The lock is the flock, not this text.
  }
  faultStep("lock acquired");
  let released = false;
  return {
    env: { [LOCK_TOKEN_ENV]: info.token },
    owned: true,
    release: () => {
      if (released) return;
      released = true;
      try {
        ftruncateSync(fd, 0);
      } catch {
        // Only the description.
      }
      // A letsencrypt dir this run created and left holding nothing but the lock goes again, so a refused first init
      // leaves no trace. Otherwise the lock file stays: removing a file others may be waiting to flock is a race.
      if (createdDir && sameEntries(stateDirPath(letsencryptDir), [path.basename(file)]) && sameEntries(letsencryptDir, [STATE_DIR_NAME])) {
        rmSync(file, { force: true });
        rmdirSync(stateDirPath(letsencryptDir));
        rmdirSync(letsencryptDir);
      }
      faultStep("lock released");
      closeSync(fd); // releases the flock
    },
  };
}

/**
 * flock(2) on our own open file description, by util-linux's flock(1), which gets it as its fd 3: the lock belongs to
 * the description, so it stays with this process after flock(1) exits, and the kernel drops it when this process
 * ends. Node opens files close-on-exec, so certbot and other children never inherit it.
 */
function flockFd(fd: number, waitMs: number): Promise<boolean> {
  const args = waitMs > 0 ? ["--exclusive", "--timeout", (waitMs / 1000).toFixed(3), "--conflict-exit-code", "75", "3"] : ["--exclusive", "--nonblock", "--conflict-exit-code", "75", "3"];
  return new Promise((resolve, reject) => {
    const child = spawn("flock", args, { stdio: ["ignore", "ignore", "pipe", fd] });
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.once("error", (error) =>
      reject(new NgcertError("EXEC_FAILED", `cannot run flock(1) to take ngcert's lock (${error.message}); it comes with util-linux`, { cause: error })),
    );
    child.once("close", (code) => {
      if (code === 0) resolve(true);
      else if (code === 75) resolve(false);
      else reject(new NgcertError("EXEC_FAILED", `flock(1) failed with exit code ${code} taking ngcert's lock`, { details: stderr || undefined }));
    });
  });
}

function readLockInfo(file: string): LockInfo | undefined {
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<LockInfo>;
    return typeof data.pid === "number" && typeof data.token === "string" && typeof data.command === "string" ? (data as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}

function sameEntries(dir: string, expected: readonly string[]): boolean {
  try {
    const entries = readdirSync(dir);
    return entries.length === expected.length && expected.every((entry) => entries.includes(entry));
  } catch {
    return false;
  }
}
