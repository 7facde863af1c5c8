// `ngcert demo [--keep]`: the whole job on this machine against its own Pebble, nginx and upstreams, with the report
// and the picture; `--stop DIR` ends a kept demo world. (`--serve-upstream` is how the demo runs its upstreams.)
import type { CommandModule } from "./command-module.js";
import { useColor, type Context } from "../context.js";
import { NgcertError } from "../errors.js";
import { renderReport } from "../demo/render-report.js";
import { runDemo } from "../demo/run-demo.js";
import { serveUpstream } from "../demo/serve-upstream.js";
import { stopWorld } from "../demo/stop-world.js";
import { readWorldRecord } from "../demo/world-record.js";
import { findPrograms } from "../world/programs.js";
import path from "node:path";

const INTERRUPTED = 130;

/** Aborts on SIGINT, SIGTERM or SIGHUP for as long as `run` runs: the demo then stops its world itself. */
async function withInterrupts<T>(run: (signal: AbortSignal, interruptedBy: () => NodeJS.Signals | undefined) => Promise<T>, onInterrupt: (name: NodeJS.Signals) => void): Promise<T> {
  const controller = new AbortController();
  let by: NodeJS.Signals | undefined;
  const handler = (name: NodeJS.Signals): void => {
    if (by === undefined) onInterrupt(name);
    by ??= name;
    controller.abort();
  };
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  for (const name of signals) process.on(name, handler);
  try {
    return await run(controller.signal, () => by);
  } finally {
    for (const name of signals) process.off(name, handler);
  }
}

function readMargin(value: unknown): number {
  const seconds = value === undefined ? 1.5 : Number(value);
  if (!Number.isFinite(seconds) || seconds < 0.2 || seconds > 60) throw new NgcertError("USAGE", `--margin ${JSON.stringify(value)}: give the seconds of load before and after each renewal, 0.2 to 60`);
  return Math.round(seconds * 1000);
}

async function stopKept(dir: string, context: Context): Promise<number> {
  const record = readWorldRecord(path.resolve(context.cwd, dir));
  const { stopped } = await stopWorld(record, { removeDir: true });
  context.stderr.write(`${stopped.length > 0 ? `stopped ${stopped.join(", ")}; ` : "nothing was running; "}removed ${record.root}\n`);
  return 0;
}

export const demoCommand: CommandModule = {
  command: "demo",
  describe: "the whole job on this machine against its own Pebble, nginx and upstreams: issue, serve, renew under load beside the standalone way",
  builder: (yargs) =>
    yargs
      .option("keep", { type: "boolean", describe: "leave the demo world running, and say how to use it and stop it" })
      .option("margin", { type: "string", requiresArg: true, describe: "seconds of load before and after each renewal [1.5]" })
      .option("output", { type: "string", requiresArg: true, describe: "directory for ngcert-demo.svg and ngcert-demo.html [current directory]" })
      .option("json", { type: "boolean", describe: "print the report as JSON on stdout" })
      .option("stop", { type: "string", requiresArg: true, describe: "stop the kept demo world in DIR and remove it" })
      .option("serve-upstream", { type: "string", choices: ["http", "websocket"], hidden: true })
      .option("port", { type: "string", requiresArg: true, hidden: true }),
  run: async (args, _settings, context) => {
    const say = (line: string): void => context.stderr.write(`${line}\n`);
    if (typeof args["serve-upstream"] === "string") {
      const port = Number(args.port);
      if (!Number.isInteger(port) || port <= 0 || port > 65_535) throw new NgcertError("USAGE", "--serve-upstream needs --port N");
      const kind = args["serve-upstream"] === "http" ? "http" : "websocket";
      await withInterrupts((signal) => serveUpstream({ kind, port, signal, log: (line) => context.stdout.write(`${line}\n`) }), () => undefined);
      return 0;
    }
    if (typeof args.stop === "string") return stopKept(args.stop, context);

    const marginMs = readMargin(args.margin);
    const search = findPrograms(context.env);
    if (!search.found) {
      throw new NgcertError(
        "EXEC_FAILED",
        `ngcert demo needs ${search.missing.join(", ")}, not installed here: sudo apt-get install ${search.packages.join(" ")} (./install.sh installs them too)`,
      );
    }
    if (!context.selfCommand) throw new NgcertError("USAGE", "ngcert demo runs ngcert's commands through the built CLI: run it as dist/cli.js (npm run build), not from the sources");
    const selfCommand = context.selfCommand;
    const color = useColor({ ...context, isTTY: Boolean(process.stderr.isTTY) });
    const result = await withInterrupts(
      async (signal) => {
        try {
          return await runDemo({
            programs: search.programs,
            selfCommand,
            exec: context.exec,
            marginMs,
            keep: args.keep === true,
            outputDir: path.resolve(context.cwd, typeof args.output === "string" ? args.output : "."),
            signal,
            say,
            quote: (text) => (color ? `\u001b[2m${text}\u001b[0m` : text),
          });
        } catch (error) {
          // Whatever failed after a Ctrl-C failed because of it: the demo has stopped its world, say only that.
          if (signal.aborted) return undefined;
          throw error;
        }
      },
      (name) => say(`\n${name}: stopping the demo world...`),
    );
    if (result === undefined) {
      say("the demo was interrupted; everything it started is stopped and its directory removed");
      return INTERRUPTED;
    }
    const { report } = result;
    const summary = renderReport(report, { color: color && !args.json });
    if (args.json) {
      context.stdout.write(`${JSON.stringify(report)}\n`);
      say(summary);
    } else context.stdout.write(summary);
    say(`picture: ${report.files.svg} (and the same as a page: ${report.files.html})`);
    say(`the demo took ${(report.durationMs / 1000).toFixed(1)} s`);
    for (const problem of report.problems) say(`problem: ${problem}`);
    return report.ok ? 0 : 1;
  },
};
