// A test seam for killing ngcert at an exact step. Every writing flow calls faultStep() between the system calls that
// change the server (a file renamed into place, a link swapped, nginx reloaded, ...). When NGCERT_FAULT_KILL_AT is
// "COMMAND:K", the K-th step of that command (e.g. "hook deploy:3") SIGKILLs the process there, exactly as a crash or
// `kill -9` would; NGCERT_FAULT_TRACE=FILE appends "COMMAND K LABEL" for every step, so a test can list a command's
// steps and then kill it at each one (each line also carries the pid and the time in ms, so a test can see whether two
// writers ever overlapped); NGCERT_FAULT_DELAY="LABEL=MS,..." holds the process at those steps, to widen the windows a
// concurrency test aims at. Read from the environment once, here, rather than threaded through every signature:
// without the variables a step is a counter increment.
import { appendFileSync } from "node:fs";

const killAt = parseKillAt(process.env.NGCERT_FAULT_KILL_AT);
const traceFile = process.env.NGCERT_FAULT_TRACE;
const delays = new Map(
  (process.env.NGCERT_FAULT_DELAY ?? "")
    .split(",")
    .map((entry) => /^(.+)=(\d+)$/.exec(entry.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => [match[1]!, Number(match[2])] as const),
);
let command = "";
let count = 0;

function parseKillAt(value: string | undefined): { command: string; step: number } | undefined {
  const match = value === undefined ? null : /^(.+):(\d+)$/.exec(value);
  return match ? { command: match[1]!, step: Number(match[2]) } : undefined;
}

/** Names the command this process runs (the CLI sets it once it knows). */
export function setFaultCommand(name: string): void {
  command = name;
  count = 0;
}

export function faultStep(label: string): void {
  if (killAt === undefined && traceFile === undefined && delays.size === 0) return;
  count++;
  if (traceFile !== undefined) appendFileSync(traceFile, `${command}\t${count}\t${label}\t${process.pid}\t${Date.now()}\n`);
  if (killAt !== undefined && killAt.command === command && killAt.step === count) process.kill(process.pid, "SIGKILL");
  const delay = delays.get(label);
  // A synchronous pause: the step must not let anything else of this process run meanwhile.
  if (delay !== undefined) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, delay);
}
