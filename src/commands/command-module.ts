// The shape of one CLI command: yargs options in, an exit code out.
import type { Argv } from "yargs";
import type { Context } from "../context.js";
import type { Settings } from "../settings/settings.js";

export type ParsedArgs = Record<string, unknown> & { _: (string | number)[] };

export interface CommandModule {
  /** yargs command string, e.g. "status [names..]". */
  command: string;
  /** false: not listed in --help (an interface for install.sh, not for people). */
  describe: string | false;
  builder: (yargs: Argv) => Argv;
  run: (args: ParsedArgs, settings: Settings, context: Context) => Promise<number>;
}
