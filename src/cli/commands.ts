// Every command the CLI offers, in help order.
import type { CommandModule } from "./command.js";
import { initCommand } from "../commands/init.js";
import { statusCommand } from "../commands/status.js";

export const COMMANDS: readonly CommandModule[] = [initCommand, statusCommand];
