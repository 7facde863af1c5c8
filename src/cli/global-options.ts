// Options every command takes: the settings table, --config, --json, --verbose.
import type { Argv } from "yargs";
import { DEFAULT_CONFIG_PATH, SETTINGS } from "../settings/definitions.js";

export function addGlobalOptions(yargs: Argv): Argv {
  let result = yargs
    .option("config", { type: "string", describe: `config file [${DEFAULT_CONFIG_PATH}]`, global: true, requiresArg: true })
    .option("staging", { type: "boolean", describe: "use Let's Encrypt's staging server", global: true })
    .option("verbose", { type: "boolean", describe: "show stack traces and program output", global: true });
  for (const setting of SETTINGS) {
    // Strings for every setting (ports too): values are checked by resolveSettings with messages that name the source.
    result = result.option(setting.key, { type: "string", describe: `${setting.describe}; env ${setting.env}`, global: true, requiresArg: setting.key !== "listen-address" });
  }
  return result.group(["config", "staging", ...SETTINGS.map((setting) => setting.key)], "Settings (flag > environment > config file > default):");
}
