// The ngcert executable. `--version` answers before anything else is loaded, so it costs no more than starting node.
declare const NGCERT_VERSION: string;

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === "--version" || args[0] === "-V")) {
  process.stdout.write(`${typeof NGCERT_VERSION === "string" ? NGCERT_VERSION : "dev"}\n`);
} else {
  const { runCli } = await import("./cli/run-cli.js");
  const { defaultContext } = await import("./context.js");
  process.exitCode = await runCli(args, defaultContext());
}
