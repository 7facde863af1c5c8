// `ngcert watch [--metrics-file PATH] [--on-event CMD] [--interval SECONDS]`: long-running; see watch/run-watch.ts.
import type { CommandModule } from "./command-module.js";
import { listLetsencryptDir } from "../certbot/list-lineages.js";
import { NgcertError } from "../errors.js";
import { openEventStream } from "./event-stream.js";
import { splitCommand } from "../settings/split-command.js";
import { WATCH_PASS_ARG } from "../watch/pass-process.js";
import { runWatch } from "../watch/run-watch.js";
import { renderEventLine, type WatchEvent } from "../watch/watch-event.js";

export const watchCommand: CommandModule = {
  command: "watch",
  describe: "watch live/ and keep nginx serving what is on disk; events as JSON lines, optional Prometheus textfile",
  builder: (yargs) =>
    yargs
      .option("metrics-file", { type: "string", requiresArg: true, describe: "write node_exporter textfile metrics here after every check" })
      .option("on-event", { type: "string", requiresArg: true, describe: "run this command per event with the JSON on stdin (no shell)" })
      .option("interval", { type: "string", requiresArg: true, describe: "seconds between full checks (expiry, served vs disk) [3600]" }),
  run: async (args, settings, context) => {
    const intervalText = args.interval === undefined ? "3600" : String(args.interval);
    if (!/^\d+$/.test(intervalText) || Number(intervalText) < 1 || Number(intervalText) > 31_536_000) {
      throw new NgcertError("USAGE", `--interval ${JSON.stringify(args.interval)} is not a whole number of seconds (1 or more)`);
    }
    // NGCERT_WATCH_CHILD_FROM: from how many lineages on each pass runs in a child process (0: always); default 100.
    const childFromText = context.env.NGCERT_WATCH_CHILD_FROM?.trim();
    const childPassFrom = childFromText !== undefined && /^\d+$/.test(childFromText) ? Number(childFromText) : undefined;
    const onEvent = typeof args["on-event"] === "string" ? splitCommand(args["on-event"], "--on-event") : undefined;
    const metricsFile = typeof args["metrics-file"] === "string" ? args["metrics-file"] : undefined;
    // A mistyped --letsencrypt-dir is refused, not created and watched (0 certificates, forever).
    listLetsencryptDir(settings.letsencryptDir);
    const log = (line: string): void => context.stderr.write(`ngcert watch: ${line}\n`);
    const events = openEventStream<WatchEvent>(context, renderEventLine, onEvent, log);
    try {
      await runWatch(settings, context.exec, {
        intervalMs: Number(intervalText) * 1000,
        metricsFile,
        emit: events.emit,
        log,
        now: context.now,
        env: context.env,
        signal: events.signal,
        passCommand: context.selfCommand === undefined ? undefined : [...context.selfCommand, WATCH_PASS_ARG],
        childPassFrom,
      });
    } finally {
      await events.close();
    }
    log("stopped");
    return 0;
  },
};
