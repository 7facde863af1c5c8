// Renders the executables `ngcert init` installs into certbot's renewal-hooks/{pre,deploy,post}/: thin shims that hand
// over to `ngcert hook <phase>`, with the settings init was given on its command line or in its environment. The
// repository's hooks/ holds the same shims rendered with HOOK_TEMPLATE_COMMAND: what init installs is that file with
// the two placeholders replaced by node's and the bundle's paths and the settings appended (test/hooks checks both).

import type { HookPhase } from "./hook-paths.js";

export { HOOK_PHASES, hookDir, hookShimPath, type HookPhase } from "./hook-paths.js";

const WHEN: Record<HookPhase, string> = {
  pre: "before it renews any certificate",
  deploy: "after each certificate it renewed",
  post: "after a renewal run",
};

/** The command words of the shims in the repository's hooks/: placeholders for node and the installed bundle. */
export const HOOK_TEMPLATE_COMMAND: readonly string[] = ["@NODE@", "@NGCERT_CLI@"];

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `command` runs ngcert (node and the bundle); `settingArgs` are flags such as ["--webroot", "/srv/acme"]. */
export function renderHookShim(phase: HookPhase, command: readonly string[], settingArgs: readonly string[]): string {
  const words = [...command, "hook", phase, ...settingArgs].map(shellQuote).join(" ");
  return `#!/bin/sh
# ngcert's certbot ${phase} hook: certbot runs this ${WHEN[phase]}; \`ngcert hook ${phase}\` does the work.
# \`ngcert init\` installs it from hooks/${phase} of ngcert's source: node's and ngcert's paths filled in, settings added.
exec ${words}
`;
}
