// The child's side of watch/pass-process.ts: reads what to do on stdin, runs the pass, prints each operation as one
// JSON line as it happens and a last `done` line. SIGTERM (the watcher stopping) lets the step under way finish.
import type { Exec } from "../exec.js";
import { PASS_DONE, type PassInput } from "./pass-process.js";
import { runPass, type PassOp } from "./watch-pass.js";

export interface PassChildIo {
  input: string;
  write: (line: string) => void;
  exec: Exec;
  env: Record<string, string | undefined>;
  now: () => Date;
  signal: AbortSignal;
  workerScript: string | undefined;
}

export async function runPassChild(io: PassChildIo): Promise<void> {
  const input = JSON.parse(io.input) as PassInput;
  const apply = (op: PassOp): void => io.write(`${JSON.stringify(op)}\n`);
  await runPass(input.request, { settings: input.settings, exec: io.exec, env: io.env, now: io.now, signal: io.signal, known: input.known, workerScript: io.workerScript, apply });
  io.write(`${JSON.stringify(PASS_DONE)}\n`);
}
