// The ngcert program (bundled by scripts/build.mjs behind a launcher that answers --version without compiling it).
// The same file doubles as the lineage reader thread (see status/parallel-read.ts), marked by READ_WORKER_ARG.
const READ_WORKER_ARG = "--ngcert-read-worker";
const args = process.argv.slice(2);

// `ngcert status | head` closes the pipe early: that is the reader's choice, not an error worth a stack trace.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(process.exitCode ?? 0);
});

async function main(): Promise<void> {
  if (args[0] === READ_WORKER_ARG) {
    const { isMainThread, workerData } = await import("node:worker_threads");
    if (!isMainThread) {
      const { runReadWorker } = await import("./status/read-worker.js");
      runReadWorker(workerData);
      return;
    }
  }
  const { runCli } = await import("./cli/run-cli.js");
  const { defaultContext } = await import("./context.js");
  // The bundle is CommonJS: __filename is the installed file, which hooks and reader threads run again.
  const self = __filename;
  process.exitCode = await runCli(args, { ...defaultContext(), workerScript: self, selfCommand: [process.execPath, self] });
}

main().catch((error: unknown) => {
  process.stderr.write(`ngcert: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
