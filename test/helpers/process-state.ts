// What the tests that start background processes need: whether a pid still runs (a zombie no one reaped does not), the
// pids a script wrote down, and a way to kill them all when the test ends.
import { readFileSync } from "node:fs";

/** True while the process exists and is not a zombie (an orphan killed here may wait for a reaper that never comes). */
export function isRunning(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return false;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

/** The pids a script appended to `file`, one a line; none when it wrote nothing. */
export function readPids(file: string): number[] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter((line) => /^\d+$/.test(line)).map(Number);
}

/** SIGKILL to each pid still running (cleanup: whatever the code under test failed to stop). */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      if (isRunning(pid)) process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** Polls until `check` holds or `timeoutMs` passed; returns whether it held. */
export async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}
