// Every command the CLI offers, in help order. Each is loaded when it is run (or when --help lists them all): a
// command initialises only the code it uses, which is most of what `ngcert status` costs on a warm cache.
import type { CommandModule } from "../commands/command-module.js";

export interface CommandEntry {
  /** The first word of the module's yargs command string. */
  name: string;
  load: () => Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: "init", load: async () => (await import("../commands/init.js")).initCommand },
  { name: "add", load: async () => (await import("../commands/add.js")).addCommand },
  { name: "remove", load: async () => (await import("../commands/remove.js")).removeCommand },
  { name: "renew", load: async () => (await import("../commands/renew.js")).renewCommand },
  { name: "reload", load: async () => (await import("../commands/reload.js")).reloadCommand },
  { name: "status", load: async () => (await import("../commands/status.js")).statusCommand },
  { name: "verify", load: async () => (await import("../commands/verify.js")).verifyCommand },
  { name: "doctor", load: async () => (await import("../commands/doctor.js")).doctorCommand },
  { name: "migrate", load: async () => (await import("../commands/migrate.js")).migrateCommand },
  { name: "watch", load: async () => (await import("../commands/watch.js")).watchCommand },
  { name: "demo", load: async () => (await import("../commands/demo.js")).demoCommand },
  { name: "cluster", load: async () => (await import("../commands/cluster.js")).clusterCommand },
  { name: "hook", load: async () => (await import("../commands/hook.js")).hookCommand },
  { name: "install-check", load: async () => (await import("../commands/install-check.js")).installCheckCommand },
];

/** The entry's module, checked to be the command the entry names. */
export async function loadCommand(entry: CommandEntry): Promise<CommandModule> {
  const command = await entry.load();
  if (command.command.split(" ")[0] !== entry.name) throw new Error(`the command entry ${entry.name} loads ${command.command}`);
  return command;
}
