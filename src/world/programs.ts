// Finds the programs a local world runs: nginx, certbot, Pebble and pebble-challtestsrv (Debian: nginx certbot pebble).
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

/** The Debian package each program comes from, for "install it with" messages. */
export const PACKAGES: Record<keyof Programs, string> = { nginx: "nginx", certbot: "certbot", pebble: "pebble", challtestsrv: "pebble" };

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

export type ProgramSearch = { found: true; programs: Programs } | { found: false; missing: string[]; packages: string[] };

export function findPrograms(env: Record<string, string | undefined> = process.env): ProgramSearch {
  const programs: Partial<Programs> = {};
  const missing: string[] = [];
  const packages = new Set<string>();
  for (const [key, command] of Object.entries(COMMANDS) as [keyof Programs, string][]) {
    const found = findProgram(command, env);
    if (found) programs[key] = found;
    else {
      missing.push(command);
      packages.add(PACKAGES[key]);
    }
  }
  return missing.length === 0 ? { found: true, programs: programs as Programs } : { found: false, missing, packages: [...packages] };
}
