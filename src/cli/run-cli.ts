// Parses the command line, resolves the settings, runs one command and maps errors to exit codes. Never calls
// process.exit: the exit code is returned, so tests run the CLI in-process.
import path from "node:path";
import yargs, { type Argv } from "yargs";
import type { Context } from "../context.js";
import { NgcertError, escapeControl, exitCodeFor } from "../errors.js";
import { setFaultCommand } from "../fs/fault-injection.js";
import { SETTINGS, type SettingKey } from "../settings/definitions.js";
import { readConfigFile } from "../settings/read-config-file.js";
import { resolveSettings } from "../settings/resolve-settings.js";
import type { CommandModule, ParsedArgs } from "../commands/command-module.js";
import { COMMANDS, loadCommand } from "./commands.js";
import { addGlobalOptions } from "./global-options.js";
import { mapStackToSources } from "./source-mapped-stack.js";

declare const NGCERT_VERSION: string;
const VERSION = typeof NGCERT_VERSION === "string" ? NGCERT_VERSION : "dev";

export async function runCli(argv: readonly string[], context: Context): Promise<number> {
  let selected: CommandModule | undefined;
  let parsed: ParsedArgs | undefined;
  let output = "";
  const choose = (command: CommandModule) => (args: unknown) => {
    selected = command;
    parsed = args as ParsedArgs;
  };
  // A known command is parsed as the default command of its own parser: yargs renders the whole help text after
  // running any non-default command (about 70 ms here), which a run that did not ask for help never needs.
  const entry = COMMANDS.find((candidate) => candidate.name === argv[0]);
  const direct = entry ? await loadCommand(entry) : undefined;
  const parser = direct
    ? createParser(argv.slice(1), `ngcert ${commandName(direct)}`, context.columns).command(
        `$0${direct.command.slice(commandName(direct).length)}`,
        describeForYargs(direct),
        direct.builder,
        choose(direct),
      )
    : createParser([...argv], "ngcert", context.columns).usage(
        "ngcert <command> [options]\n\nLet's Encrypt certificates for every site behind nginx, renewed without stopping nginx.",
      );
  if (!direct) {
    for (const command of await Promise.all(COMMANDS.map(loadCommand))) parser.command(command.command, describeForYargs(command), command.builder, choose(command));
    parser.demandCommand(1, "give a command; `ngcert --help` lists them");
  }

  try {
    await parser.parseAsync(direct ? argv.slice(1) : [...argv], {}, (_error, _args, text) => {
      output = text ?? "";
    });
  } catch (error) {
    return report(error, context, argv.includes("--verbose"));
  }
  if (!selected || !parsed) {
    // --help or --version: yargs rendered the text instead of choosing a command.
    if (output) context.stdout.write(`${output}\n`);
    return 0;
  }
  const verbose = parsed.verbose === true;
  listPositionals(selected, parsed);
  const repeated = repeatedOption(selected, parsed);
  if (repeated !== undefined) return report(new NgcertError("USAGE", `--${repeated} was given more than once: give it once`), context, verbose);
  const empty = emptyOption(selected, parsed);
  if (empty !== undefined) return report(new NgcertError("USAGE", `--${empty} was given an empty value: give one, or leave the option out`), context, verbose);
  setFaultCommand(typeof parsed.phase === "string" ? `${commandName(selected)} ${parsed.phase}` : commandName(selected));
  try {
    const settings = resolveSettings({
      flags: settingFlags(parsed),
      env: context.env,
      // Relative to the context's working directory, like every other path setting.
      config: readConfigFile(typeof parsed.config === "string" ? path.resolve(context.cwd, parsed.config) : "/etc/ngcert/config.json"),
      configPath: typeof parsed.config === "string" ? path.resolve(context.cwd, parsed.config) : undefined,
      cwd: context.cwd,
    });
    return await selected.run(parsed, settings, context);
  } catch (error) {
    return report(error, context, verbose);
  }
}

/** yargs leaves a command whose description is false out of --help; its type declarations admit only strings. */
function describeForYargs(command: CommandModule): string {
  return command.describe as string;
}

function commandName(command: CommandModule): string {
  return command.command.split(" ")[0]!;
}

function createParser(argv: string[], scriptName: string, columns: number | undefined): Argv {
  return addGlobalOptions(
    yargs(argv)
      .scriptName(scriptName)
      .version(VERSION)
      .help()
      .alias("help", "h")
      .strict()
      .recommendCommands()
      .exitProcess(false)
      .wrap(Math.min(110, columns || 100))
      .fail((message, error) => {
        throw error instanceof NgcertError ? error : new NgcertError("USAGE", message ?? error?.message ?? "invalid command line");
      }),
  );
}

/**
 * The options the command line gave that are the command's own (and --config): not its positionals, not the settings
 * flags (resolveSettings judges those, naming their source), and not yargs' camelCase copies or `_` and `$0`.
 */
function ownOptions(command: CommandModule, args: ParsedArgs): [string, unknown][] {
  const positionals = positionalNames(command);
  const settings = new Set<string>(SETTINGS.map((setting) => setting.key));
  return Object.entries(args).filter(([key]) => /^[a-z][a-z0-9-]*$/.test(key) && !positionals.has(key) && !settings.has(key));
}

/**
 * The command's own option given more than once, if any: yargs makes it a list where the command expects one value (a
 * repeated --cert-name, read as "not given", renewed every certificate). Which one was meant is the user's to say.
 * Settings flags take the last (resolveSettings); positionals are lists. --config too is one file: given twice, it
 * was read as not given at all (the default file instead).
 */
function repeatedOption(command: CommandModule, args: ParsedArgs): string | undefined {
  return ownOptions(command, args).find(([, value]) => Array.isArray(value))?.[0];
}

/** A list positional given as an option (`status --names a`) is still a list. */
function listPositionals(command: CommandModule, args: ParsedArgs): void {
  for (const match of command.command.matchAll(/[<[]([\w-]+)\.\.[>\]]/g)) {
    const key = match[1]!;
    if (typeof args[key] === "string") args[key] = [args[key]];
  }
}

function positionalNames(command: CommandModule): Set<string> {
  const names = [...command.command.matchAll(/[<[]([\w-]+)/g)].map((match) => match[1]!);
  // yargs also keeps each name in camelCase.
  return new Set([...names, ...names.map((name) => name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()))]);
}

/**
 * The command's own option given as an empty string (`--cert-name ""`, `--metrics-file=`), if any. An empty --config
 * is left to the config file reader, which names the file it could not read.
 */
function emptyOption(command: CommandModule, args: ParsedArgs): string | undefined {
  return ownOptions(command, args).find(([key, value]) => value === "" && key !== "config")?.[0];
}

function settingFlags(args: ParsedArgs): Partial<Record<SettingKey | "staging", unknown>> {
  const flags: Partial<Record<SettingKey | "staging", unknown>> = {};
  for (const setting of SETTINGS) {
    const value = args[setting.key];
    if (value !== undefined) flags[setting.key] = Array.isArray(value) ? value[value.length - 1] : value;
  }
  if (args.staging !== undefined) flags.staging = args.staging;
  return flags;
}

function report(error: unknown, context: Context, verbose: boolean): number {
  if (error instanceof NgcertError) {
    context.stderr.write(`ngcert: ${error.message}\n`);
    if (error.details) context.stderr.write(`${error.details.replace(/\s+$/, "")}\n`);
    if (error.code === "USAGE") context.stderr.write("Run `ngcert --help` for usage.\n");
  } else {
    context.stderr.write(`ngcert: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  if (verbose) {
    // What the program said, whole: the message above carries only its first line.
    for (let cause: unknown = error; cause instanceof Error; cause = cause.cause) {
      if (cause instanceof NgcertError && cause.program) {
        const run = cause.program;
        const how = run.timedOut ? "killed on timeout" : `exit code ${run.exitCode ?? "none"}`;
        context.stderr.write(`--- ${run.command} (${how}, ${run.durationMs} ms) ---\n`);
        if (run.stdout.trim() !== "") context.stderr.write(`${escapeControl(run.stdout.trimEnd())}\n`);
        if (run.stderr.trim() !== "") context.stderr.write(`${escapeControl(run.stderr.trimEnd())}\n`);
        break;
      }
    }
    // From the bundle, the frames are mapped back to src/ through ngcert.js.map.
    if (error instanceof Error && error.stack) context.stderr.write(`${context.programFile ? mapStackToSources(error.stack, context.programFile) : error.stack}\n`);
  }
  return exitCodeFor(error);
}
