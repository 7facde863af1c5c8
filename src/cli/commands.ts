// Every command the CLI offers, in help order.
import type { CommandModule } from "../commands/command-module.js";
import { addCommand } from "../commands/add.js";
import { demoCommand } from "../commands/demo.js";
import { doctorCommand } from "../commands/doctor.js";
import { hookCommand } from "../commands/hook.js";
import { initCommand } from "../commands/init.js";
import { migrateCommand } from "../commands/migrate.js";
import { removeCommand } from "../commands/remove.js";
import { reloadCommand } from "../commands/reload.js";
import { renewCommand } from "../commands/renew.js";
import { statusCommand } from "../commands/status.js";
import { verifyCommand } from "../commands/verify.js";
import { watchCommand } from "../commands/watch.js";
import { installCheckCommand } from "../commands/install-check.js";
import { clusterCommand } from "../commands/cluster.js";

export const COMMANDS: readonly CommandModule[] = [initCommand, addCommand, removeCommand, renewCommand, reloadCommand, statusCommand, verifyCommand, doctorCommand, migrateCommand, watchCommand, demoCommand, clusterCommand, hookCommand, installCheckCommand];
