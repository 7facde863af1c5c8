// The shape of one CLI command: yargs options in, an exit code out.
import type { Argv } from "yargs";
import type { Context } from "../context.js";
import type { Settings } from "../settings/settings.js";

export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

export interface CommandModule {
  /** yargs command string, e.g. "status [names..]". */
  command: string;
  describe: string;
  builder: (yargs: Argv) => Argv;
  run: (args: ParsedArgs, settings: Settings, context: Context) => Promise<number>;
}
