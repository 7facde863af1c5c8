// One ngcert writer at a time per letsencrypt dir. A second one waits briefly, then fails clearly. Programs ngcert
// starts (certbot, and through it ngcert's own hooks) inherit the holder's token and pass through.
import { mkdirSync, openSync, readFileSync, rmdirSync, rmSync, statSync, writeSync, closeSync, existsSync } from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { NgcertError, isNodeError } from "../errors.js";
import { isProcessAlive } from "./process-alive.js";

export const LOCK_TOKEN_ENV = "NGCERT_LOCK_TOKEN";

export interface WriterLock {
  /** Give this to child processes so ngcert hooks they run see the lock as theirs. */
  env: Record<string, string>;
  release(): void;
}

interface LockInfo {
  pid: number;
  token: string;
  command: string;
  since: string;
}

export async function acquireWriterLock(
  letsencryptDir: string,
  options: { command: string; env: Record<string, string | undefined>; waitMs?: number; lockName?: string },
): Promise<WriterLock> {
  // The watcher holds a lock of its own (".ngcert-watch.lock"): one watcher per letsencrypt dir, writers unaffected.
  const file = path.join(letsencryptDir, options.lockName ?? ".ngcert.lock");
  const inherited = options.env[LOCK_TOKEN_ENV];
  if (inherited && readLock(file)?.token === inherited) {
    return { env: { [LOCK_TOKEN_ENV]: inherited }, release: () => undefined };
  }
  const createdDir = !existsSync(letsencryptDir);
  const noAccess = (error: unknown): NgcertError =>
    new NgcertError("IO", `cannot take ngcert's lock in ${letsencryptDir} (${isNodeError(error) ? error.code : String(error)}): changing this server needs root; run it with sudo`, { cause: error });
  try {
    mkdirSync(letsencryptDir, { recursive: true, mode: 0o755 });
  } catch (error) {
    throw noAccess(error);
  }
  const info: LockInfo = { pid: process.pid, token: randomBytes(16).toString("hex"), command: options.command, since: new Date().toISOString() };
  const deadline = Date.now() + (options.waitMs ?? 10_000);
  for (;;) {
    try {
      const fd = openSync(file, "wx", 0o644);
      writeSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (error) {
      if (isNodeError(error) && (error.code === "EACCES" || error.code === "EPERM" || error.code === "EROFS")) throw noAccess(error);
      if (!isNodeError(error) || error.code !== "EEXIST") throw error;
    }
    const holder = readLock(file);
    if (holder && !isProcessAlive(holder.pid)) {
      rmSync(file, { force: true }); // left behind by a crashed run
      continue;
    }
    // A lock file nobody could finish writing (a crash between create and write) is stale once it is a minute old.
    if (!holder && Date.now() - lockAgeBase(file) > STALE_UNREADABLE_MS) {
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      const who = holder ? `\`ngcert ${holder.command}\` (pid ${holder.pid}, since ${holder.since})` : "another ngcert";
      throw new NgcertError("LOCKED", `${who} is changing this server; try again when it has finished (lock: ${file})`);
    }
    await sleep(200);
  }
  return {
    env: { [LOCK_TOKEN_ENV]: info.token },
    release: () => {
      if (readLock(file)?.token === info.token) rmSync(file, { force: true });
      if (createdDir) {
        try {
          rmdirSync(letsencryptDir);
        } catch {
          // Not empty: it holds what the locked command wrote.
        }
      }
    },
  };
}

const STALE_UNREADABLE_MS = 60_000;

function lockAgeBase(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return Date.now();
  }
}

function readLock(file: string): LockInfo | undefined {
  try {
    const data = JSON.parse(readFileSync(file, "utf8")) as Partial<LockInfo>;
    return typeof data.pid === "number" && typeof data.token === "string" ? (data as LockInfo) : undefined;
  } catch {
    return undefined;
  }
}
