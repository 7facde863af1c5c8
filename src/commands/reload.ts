// `ngcert reload`: nginx -t, then a graceful reload with the configured command, confirmed (nginx really loaded the
// configuration) — through the same door as every other reload, so no certificate comes into service unchecked.
import type { CommandModule } from "./command-module.js";
import { bringIntoService } from "../deploy/bring-into-service.js";
import { describeLineage, describeReload, isFailure } from "../deploy/describe-service.js";
import { finishInterrupted } from "../deploy/finish-interrupted.js";
import { acquireWriterLock } from "../fs/writer-lock.js";

export const reloadCommand: CommandModule = {
  command: "reload",
  describe: "nginx -t, reload nginx gracefully and confirm it loaded the configuration (certificates checked first)",
  builder: (yargs) => yargs,
  run: async (_args, settings, context) => {
    const lock = await acquireWriterLock(settings.letsencryptDir, { command: "reload", env: context.env });
    try {
      for (const line of finishInterrupted(settings)) context.stderr.write(`${line}\n`);
      const outcome = await bringIntoService(settings, context.exec, { by: "reload", now: context.now(), configChanged: true });
      const say = (line: string): void => context.stderr.write(`${line}\n`);
      for (const line of outcome.repaired) say(line);
      for (const warning of outcome.warnings) say(`warning: ${warning}`);
      for (const lineage of outcome.lineages) if (lineage.status !== "already-served" && lineage.status !== "unused") say(describeLineage(lineage));
      say(describeReload(outcome.reload) ?? "nothing to reload");
      return isFailure(outcome) || outcome.reload.status !== "reloaded" ? 1 : 0;
    } finally {
      lock.release();
    }
  },
};
