// Body of a lineage reader thread (see parallel-read.ts).
import { parentPort } from "node:worker_threads";
import { claimAndRead, type ReadWorkerData } from "./parallel-read.js";

export function runReadWorker(data: ReadWorkerData): void {
  parentPort?.postMessage(claimAndRead(data));
}
