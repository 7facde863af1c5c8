#!/usr/bin/env node
// The ngcert program (bundled by scripts/build.mjs into dist/ngcert.js, which the launcher dist/cli.js loads). The rest
// of the program is loaded by import() behind the first checks, so a command loads only what it runs. The same file
// doubles as the lineage reader thread (see status/parallel-read.ts), marked by READ_WORKER_ARG, as the thread that runs
// `doctor` and `migrate` (see cli/command-thread.ts), marked by COMMAND_THREAD_ARG, and as the short-lived process that
// runs one pass of `ngcert watch` at hosting scale (see watch/pass-process.ts), marked by WATCH_PASS_ARG.
import { setFlagsFromString } from "node:v8";
import { isMainThread, workerData } from "node:worker_threads";
import type { CommandThreadData } from "./cli/command-thread.js";

declare const NGCERT_VERSION: string;

const READ_WORKER_ARG = "--ngcert-read-worker";
const WATCH_PASS_ARG = "--ngcert-watch-pass";
// Kept here rather than imported, as the two above: the launcher decides before it loads any other module.
const COMMAND_THREAD_ARG = "--ngcert-command-thread";
/** The commands that run on a thread with a small young generation (see cli/command-thread.ts). */
const THREAD_COMMANDS = new Set(["doctor", "migrate"]);
/** The commands that run until stopped (`watch`, `cluster run`): a reader that goes away does not stop them. */
const isLongRunning = (argv: readonly string[]): boolean => argv[0] === "watch" || (argv[0] === "cluster" && argv[1] === "run");
const args = process.argv.slice(2);
// The command as started: the launcher (dist/cli.js), which hooks, reader threads and pass processes run again; this
// file itself when it was started directly.
const self = require.main?.filename ?? __filename;

async function main(): Promise<void> {
  if (args[0] === READ_WORKER_ARG) {
    if (!isMainThread) {
      const { runReadWorker } = await import("./status/read-worker.js");
      runReadWorker(workerData);
      return;
    }
  }
  if (args[0] === COMMAND_THREAD_ARG && !isMainThread) {
    const { runCommandThread } = await import("./cli/command-thread.js");
    await runCommandThread(workerData as CommandThreadData, self);
    return;
  }
  if (args[0] === WATCH_PASS_ARG) {
    const { runWatchPass } = await import("./cli/run-watch-pass.js");
    await runWatchPass(self);
    return;
  }
  // `ngcert status | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace. A
  // watcher's duties do not depend on its reader: it says so once and goes on, its events no longer printed.
  let stdoutGone = false;
  // The same holds for stderr (`2>&1 | head`): what cannot be said there is lost, the command is not.
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    if (isLongRunning(args)) {
      if (!stdoutGone) process.stderr.write(`ngcert ${args[0] === "cluster" ? "cluster run" : args[0]}: standard output was closed: events are no longer printed there; going on\n`);
      stdoutGone = true;
      return;
    }
    process.exit(process.exitCode ?? 0);
  });
  // `ngcert watch` idles for months: a young generation that never grows, set before the program allocates, keeps the
  // heap V8 reserves during its first full check (thousands of lineages at once) from staying resident afterwards.
  // And it runs its code in V8's interpreter only: what it does between passes is little (the heavy work runs in a pass
  // process at hosting scale), while the optimising compilers' background jobs leave their malloc arenas and their
  // share of node's code resident — 10.6 MiB of the idle watcher's 69 on 2,000 lineages (bench/watch-idle.ts).
  if (args[0] === "watch") {
    for (const flag of ["--semi-space-growth-factor=1", "--no-opt", "--no-maglev", "--no-sparkplug"]) setFlagsFromString(flag);
  }
  if (args[0] !== undefined && THREAD_COMMANDS.has(args[0])) {
    const { runOnCommandThread } = await import("./cli/command-thread.js");
    process.exitCode = await runOnCommandThread(self, { args, isTTY: Boolean(process.stdout.isTTY), columns: process.stdout.columns, selfCommand: [process.execPath, self], programFile: __filename });
    return;
  }
  const { runCli } = await import("./cli/run-cli.js");
  const { defaultContext } = await import("./context.js");
  process.exitCode = await runCli(args, { ...defaultContext(), workerScript: self, selfCommand: [process.execPath, self], programFile: __filename });
}

if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${typeof NGCERT_VERSION === "string" ? NGCERT_VERSION : "dev"}\n`);
} else {
  main().catch(async (error: unknown) => {
    process.stderr.write(`ngcert: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (args.includes("--verbose") && error instanceof Error && error.stack) {
      const { mapStackToSources } = await import("./cli/source-mapped-stack.js");
      process.stderr.write(`${mapStackToSources(error.stack, __filename)}\n`);
    }
    process.exitCode = 1;
  });
}
