// The process side of one watcher pass in a child (watch/pass-child.ts): stdin, stdout, signals, the real context.
import { text } from "node:stream/consumers";
import { defaultContext } from "../context.js";
import { faultStep, setFaultCommand } from "../fs/fault-injection.js";
import { runPassChild } from "../watch/pass-child.js";

export async function runWatchPass(self: string): Promise<void> {
  setFaultCommand("watch pass");
  const stop = new AbortController();
  // The watcher stopping: finish the step under way (a reload is confirmed, a refusal rolled back), then end. A hang-up
  // of the terminal reaches the pass too: the same, not a death in the middle of a step.
  // `on`, not `once`: with no listener left, the signal-exit handler of a program execa is running would re-send the
  // signal and end the pass in the middle of its step.
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(signal, () => stop.abort());
  const input = await text(process.stdin);
  faultStep("watch pass read its request");
  const context = defaultContext();
  try {
    await runPassChild({ input, write: (line) => void process.stdout.write(line), exec: context.exec, env: context.env, now: context.now, signal: stop.signal, workerScript: self });
  } catch (error) {
    process.stderr.write(`ngcert watch pass: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
