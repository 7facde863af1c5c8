// The ngcert executable. `--version` answers before anything else is loaded, so it costs no more than starting node.
// The same file doubles as the lineage reader thread (see status/parallel-read.ts), marked by READ_WORKER_ARG.
declare const NGCERT_VERSION: string;

const READ_WORKER_ARG = "--ngcert-read-worker";
const args = process.argv.slice(2);

async function main(): Promise<void> {
  if (args[0] === READ_WORKER_ARG) {
    const { isMainThread, workerData } = await import("node:worker_threads");
    if (!isMainThread) {
      const { runReadWorker } = await import("./status/read-worker.js");
      runReadWorker(workerData);
      return;
    }
  }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
    process.stdout.write(`${typeof NGCERT_VERSION === "string" ? NGCERT_VERSION : "dev"}\n`);
    return;
  }
  const { runCli } = await import("./cli/run-cli.js");
  const { defaultContext } = await import("./context.js");
  const { fileURLToPath } = await import("node:url");
  const selfCommand = [process.execPath, fileURLToPath(import.meta.url)];
  process.exitCode = await runCli(args, { ...defaultContext(), workerScript: import.meta.url, selfCommand });
}

await main();
