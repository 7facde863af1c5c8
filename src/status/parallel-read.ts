// Reads many lineages on every core. A cold read is dominated by chain signature checks (an ECDSA P-384 verify is
// about a millisecond here), so threads share one atomic work counter and the main thread works too.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { LineageEntry } from "../certbot/list-lineages.js";
import { readStamped, type StampedFacts } from "./read-stamped.js";

/** Below this many lineages starting a thread costs more than it saves. */
const PARALLEL_THRESHOLD = 100;

export const READ_WORKER_TASK = "ngcert-read-lineages";
/**
 * A reader thread's young generation, in MiB. V8's default lets each thread's grow to 32 MiB while it reads, which a
 * cold `status` of 2,000 lineages paid as about 11 MiB of peak RSS (120 against 109 MiB, /usr/bin/time, three runs
 * each) for no measurable speed: the facts a reader keeps are small, the rest is short-lived.
 */
const READER_YOUNG_GENERATION_MB = 4;

/** The argument that makes the bundled CLI start as a reader thread (see cli.ts). */
const READ_WORKER_ARG = "--ngcert-read-worker";

export interface ReadWorkerData {
  task: typeof READ_WORKER_TASK;
  letsencryptDir: string;
  entries: LineageEntry[];
  counter: SharedArrayBuffer;
}

/** Claims entries from the shared counter until none are left; returns [index, result] pairs. */
export function claimAndRead(data: Omit<ReadWorkerData, "task">): [number, StampedFacts][] {
  const counter = new Int32Array(data.counter);
  const done: [number, StampedFacts][] = [];
  for (;;) {
    const index = Atomics.add(counter, 0, 1);
    const entry = data.entries[index];
    if (!entry) return done;
    done.push([index, readStamped(data.letsencryptDir, entry)]);
  }
}

/**
 * `workerScript` is the bundled CLI file, which runs as a reader when started as a worker; without it (the library
 * used from source) everything is read on this thread.
 */
export async function readAllStamped(letsencryptDir: string, entries: LineageEntry[], workerScript: string | undefined, offMainThread = false): Promise<StampedFacts[]> {
  // Off the main thread (the watcher), a one-CPU machine still gets one reader thread, and this thread reads nothing.
  const threads = Math.max(offMainThread ? 1 : 0, Math.min(availableParallelism(), 8) - 1);
  if (entries.length === 0 || !workerScript || threads < 1 || (!offMainThread && entries.length < PARALLEL_THRESHOLD)) {
    return entries.map((entry) => readStamped(letsencryptDir, entry));
  }
  const counter = new SharedArrayBuffer(4);
  const workerData: ReadWorkerData = { task: READ_WORKER_TASK, letsencryptDir, entries, counter };
  const workers = Array.from({ length: threads }, () => runWorker(workerScript, workerData));
  const results = new Array<StampedFacts>(entries.length);
  if (!offMainThread) for (const [index, stamped] of claimAndRead(workerData)) results[index] = stamped;
  for (const settled of await Promise.allSettled(workers)) {
    if (settled.status === "fulfilled") for (const [index, stamped] of settled.value) results[index] = stamped;
  }
  // A worker that died left its claimed entries unread: read them here rather than report less.
  for (let i = 0; i < entries.length; i++) results[i] ??= readStamped(letsencryptDir, entries[i]!);
  return results;
}

function runWorker(script: string, workerData: ReadWorkerData): Promise<[number, StampedFacts][]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, {
      workerData,
      argv: [READ_WORKER_ARG],
      stdout: false,
      stderr: false,
      resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB },
    });
    worker.once("message", (message: [number, StampedFacts][]) => resolve(message));
    worker.once("error", reject);
    worker.once("exit", (code) => reject(new Error(`lineage reader thread exited with code ${code}`)));
  });
}
