// Renders the executables `ngcert init` installs into certbot's renewal-hooks/{pre,deploy,post}/: thin shims that hand
// over to `ngcert hook <phase>`, with the settings init was given on its command line or in its environment.

import type { HookPhase } from "../certbot/hook-paths.js";

export { HOOK_PHASES, hookDir, hookShimPath, type HookPhase } from "../certbot/hook-paths.js";

const WHEN: Record<HookPhase, string> = {
  pre: "before it renews any certificate",
  deploy: "after each certificate it renewed",
  post: "after a renewal run",
};

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `command` runs ngcert (node and the bundle); `settingArgs` are flags such as ["--webroot", "/srv/acme"]. */
export function renderHookShim(phase: HookPhase, command: readonly string[], settingArgs: readonly string[]): string {
  const words = [...command, "hook", phase, ...settingArgs].map(shellQuote).join(" ");
  return `#!/bin/sh
# Written by \`ngcert init\`: certbot runs this ${WHEN[phase]}; \`ngcert hook ${phase}\` does the work.
exec ${words}
`;
}
