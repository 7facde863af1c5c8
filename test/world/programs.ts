// Finds nginx, certbot and Pebble; without them the e2e suites are skipped on a laptop but fail under CI.
import { accessSync, constants } from "node:fs";
import path from "node:path";

export interface Programs {
  nginx: string;
  certbot: string;
  pebble: string;
  challtestsrv: string;
}

const COMMANDS: Record<keyof Programs, string> = {
  nginx: "nginx",
  certbot: "certbot",
  pebble: "pebble",
  challtestsrv: "pebble-challtestsrv",
};

// nginx lives in /usr/sbin, which is not on a normal user's PATH.
const EXTRA_DIRS = ["/usr/sbin", "/sbin", "/usr/local/sbin"];

function findProgram(command: string, env: Record<string, string | undefined>): string | undefined {
  const dirs = [...(env.PATH ?? "").split(path.delimiter).filter(Boolean), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export type ProgramSearch = { found: true; programs: Programs } | { found: false; missing: string[] };

export function findPrograms(env: Record<string, string | undefined> = process.env): ProgramSearch {
  const programs: Partial<Programs> = {};
  const missing: string[] = [];
  for (const [key, command] of Object.entries(COMMANDS) as [keyof Programs, string][]) {
    const found = findProgram(command, env);
    if (found) programs[key] = found;
    else missing.push(command);
  }
  return missing.length === 0 ? { found: true, programs: programs as Programs } : { found: false, missing };
}

export interface ProgramCheck {
  /** True when the e2e suite cannot run here (and may be skipped). */
  skip: boolean;
  /** Why it is skipped, for the suite's title; empty when it runs. */
  reason: string;
}

/**
 * Decides whether the real-world suites run. With CI=true a missing program is an error (the suite must not
 * silently turn green); elsewhere the suite is skipped and says why.
 */
export function requirePrograms(env: Record<string, string | undefined> = process.env): ProgramCheck {
  const search = findPrograms(env);
  if (search.found) return { skip: false, reason: "" };
  const reason = `${search.missing.join(", ")} not installed (Debian: apt-get install nginx certbot pebble)`;
  if (env.CI === "true" || env.CI === "1") {
    throw new Error(`CI=true and the test world cannot start: ${reason}. .ci/run installs them.`);
  }
  // The default reporter shows a skipped file without its title, so say it where a developer will see it.
  console.warn(`ngcert e2e: skipping the real test world: ${reason}`);
  return { skip: true, reason };
}
