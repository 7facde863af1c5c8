// What doctor reads from the machine besides nginx and the lineages: renewal schedulers (systemd timers, cron), the
// modes of hook files and private keys, and whether a hook's program exists. `systemRoot` is "/" on a server; tests
// and images point it at a tree of their own.
import { accessSync, constants, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import type { HookScript } from "../checks/hook-script-findings.js";
import type { PathMode } from "../checks/permission-findings.js";
import { readCronRenewals, type SchedulerSource } from "../checks/scheduler-findings.js";

const TIMERS = ["certbot.timer", "snap.certbot.renew.timer"];
const CRON_FILES = ["etc/crontab"];
const CRON_DIRS = ["etc/cron.d", "var/spool/cron/crontabs", "var/spool/cron", "etc/cron.hourly", "etc/cron.daily", "etc/cron.weekly", "etc/cron.monthly"];

function listFiles(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.join(dir, entry.name));
  } catch {
    return [];
  }
}

export function readSchedulers(systemRoot: string): SchedulerSource[] {
  const systemdRunning = existsSync(path.join(systemRoot, "run/systemd/system"));
  const sources: SchedulerSource[] = [];
  for (const timer of TIMERS) {
    const link = path.join(systemRoot, "etc/systemd/system/timers.target.wants", timer);
    let enabled = false;
    try {
      lstatSync(link);
      enabled = true;
    } catch {
      enabled = false;
    }
    if (enabled) sources.push({ where: timer, line: null, text: `systemctl enable ${timer}`, active: systemdRunning });
  }
  const files = [...CRON_FILES.map((file) => path.join(systemRoot, file)), ...CRON_DIRS.flatMap((dir) => listFiles(path.join(systemRoot, dir)))];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      continue;
    }
    sources.push(...readCronRenewals(file, text, systemdRunning));
  }
  return sources;
}

function modeOf(file: string, extra: Partial<PathMode> = {}): PathMode | undefined {
  try {
    const stat = statSync(file);
    return { path: file, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid, directory: stat.isDirectory(), ...extra };
  } catch {
    return undefined;
  }
}

/** renewal-hooks/ and its phase directories and every file in them, and absolute hook programs of renewal confs. */
export function readHookModes(letsencryptDir: string, hookPrograms: readonly string[]): PathMode[] {
  const hooks = path.join(letsencryptDir, "renewal-hooks");
  const paths = [letsencryptDir, hooks];
  for (const phase of ["pre", "deploy", "post"]) {
    const dir = path.join(hooks, phase);
    paths.push(dir, ...listFiles(dir));
  }
  paths.push(...hookPrograms.filter((program) => path.isAbsolute(program)));
  return [...new Set(paths)].flatMap((file) => modeOf(file) ?? []);
}

/** The scripts in renewal-hooks/{pre,deploy,post}/ other than ngcert's own shims. */
export function readHookScripts(letsencryptDir: string): HookScript[] {
  return ["pre", "deploy", "post"].flatMap((phase) =>
    listFiles(path.join(letsencryptDir, "renewal-hooks", phase))
      .filter((file) => path.basename(file) !== "ngcert")
      .flatMap((file) => {
        try {
          return [{ file, text: readFileSync(file, "utf8") }];
        } catch {
          return [];
        }
      }),
  );
}

/** Every private key version in archive/ of the given lineages. */
export function readKeyModes(letsencryptDir: string, lineages: readonly string[]): PathMode[] {
  return lineages.flatMap((name) => {
    const dir = path.join(letsencryptDir, "archive", name);
    return listFiles(dir)
      .filter((file) => /^privkey\d+\.pem$/.test(path.basename(file)))
      .flatMap((file) => modeOf(file, { lineage: name }) ?? []);
  });
}

/** As certbot checks a hook: an absolute or relative path that is executable, or a name found on PATH. */
export function commandExists(program: string, pathVariable: string | undefined): boolean {
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (program.includes("/")) return executable(program);
  const dirs = (pathVariable ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":").filter(Boolean);
  return dirs.some((dir) => executable(path.join(dir, program)));
}

/** Where a symlink points, made absolute; undefined for anything else. */
export function linkTarget(file: string): string | undefined {
  try {
    if (!lstatSync(file).isSymbolicLink()) return undefined;
    return path.resolve(path.dirname(file), readlinkSync(file));
  } catch {
    return undefined;
  }
}
