// Whether the e2e suites can run here: without nginx, certbot and Pebble they are skipped on a laptop but fail under CI.
import { findPrograms } from "../../src/world/programs.js";

export { findPrograms, type Programs, type ProgramSearch } from "../../src/world/programs.js";

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
