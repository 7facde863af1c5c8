// Runs one command on a thread of its own whose young generation is small. `doctor` and `migrate` judge every domain's
// challenge path (thousands at hosting scale) and print a finding for each: work that allocates fast and keeps much of
// it, so V8 grows the main thread's young generation to its default (two 16 MiB semi-spaces) and the old one behind
// it. A heap's young generation can only be set when the heap is made: for a worker, by resourceLimits. On the doctor
// bench (2,000 lineages, 6,000 challenge paths judged, 6,096 findings; bench/doctor-peak.ts) the peak went from 181 /
// 179 / 164 MiB (JSON cold, JSON warm, text) to 137 / 132 / 123 MiB (with challenge messages kept to one byte a
// character, see checks/challenge-findings.ts), for about 0.1 s more CPU in a run of 1.7 s.
// `status`, whose speed is measured against certbot's, stays on the main thread (a smaller young generation made it
// 4–18 % slower).
import { writeSync } from "node:fs";
import { parentPort, Worker } from "node:worker_threads";
import type { Context, Output } from "../context.js";

/** The argument that makes the bundled program run a command as this thread (cli.ts has the same). */
const COMMAND_THREAD_ARG = "--ngcert-command-thread";

/** The young generation of the command's heap, MiB. */
const YOUNG_GENERATION_MB = 4;

export interface CommandThreadData {
  args: string[];
  isTTY: boolean;
  /** The terminal's width: a worker's process.stdout is not the terminal, so it cannot tell. */
  columns: number | undefined;
  selfCommand: string[];
  programFile: string;
}

/** On the main thread: runs the command on its thread and returns its exit code. */
export function runOnCommandThread(script: string, data: CommandThreadData): Promise<number> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, {
      argv: [COMMAND_THREAD_ARG],
      workerData: data,
      // The command writes to fds 1 and 2 itself (see fdOutput); nothing goes through this thread's streams.
      stdout: false,
      stderr: false,
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
    });
    let code: number | undefined;
    worker.on("message", (message: { exitCode: number }) => {
      code = message.exitCode;
    });
    worker.once("error", reject);
    worker.once("exit", (exitCode) => {
      if (code !== undefined) resolve(code);
      else reject(new Error(`the command's thread ended (code ${exitCode}) before the command did`));
    });
  });
}

/**
 * Writes straight to a file descriptor, as process.stdout does for files and pipes on Linux (synchronously), without
 * passing the text to the main thread. A reader that went away (EPIPE) gets nothing more, as `ngcert … | head` expects;
 * a non-blocking descriptor that is full is waited for.
 */
export function fdOutput(fd: number): Output {
  let closed = false;
  return {
    write(text: string): void {
      if (closed) return;
      let bytes = Buffer.from(text, "utf8");
      while (bytes.length > 0) {
        try {
          bytes = bytes.subarray(writeSync(fd, bytes));
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === "EAGAIN") {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            continue;
          }
          if (code === "EPIPE") {
            closed = true;
            return;
          }
          throw error;
        }
      }
    },
  };
}

/** On the command's thread: runs it with the process's own context, writing to fds 1 and 2, and reports its exit code. */
export async function runCommandThread(data: CommandThreadData, script: string): Promise<void> {
  const { runCli } = await import("./run-cli.js");
  const { defaultContext } = await import("../context.js");
  const context: Context = {
    ...defaultContext(),
    stdout: fdOutput(1),
    stderr: fdOutput(2),
    isTTY: data.isTTY,
    columns: data.columns,
    workerScript: script,
    selfCommand: data.selfCommand,
    programFile: data.programFile,
  };
  let exitCode = 1;
  try {
    exitCode = await runCli(data.args, context);
  } catch (error) {
    // runCli maps the errors it knows; anything else is reported here, once, and the main thread gets exit code 1.
    context.stderr.write(`ngcert: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (data.args.includes("--verbose") && error instanceof Error && error.stack) context.stderr.write(`${error.stack}\n`);
  }
  parentPort?.postMessage({ exitCode });
}
