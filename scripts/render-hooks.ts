// Writes hooks/{pre,deploy,post}, the shims certbot runs, from the function `ngcert init` renders them with (placeholders
// for the paths init fills in): `npm run hooks` after changing src/hooks/render-hook-shim.ts; test/hooks checks it.
import { chmodSync, writeFileSync } from "node:fs";
import path from "node:path";
import { HOOK_PHASES, HOOK_TEMPLATE_COMMAND, renderHookShim } from "../src/certbot/render-hook-shim.js";

const hooksDir = path.resolve(import.meta.dirname, "../hooks");
for (const phase of HOOK_PHASES) {
  const file = path.join(hooksDir, phase);
  writeFileSync(file, renderHookShim(phase, HOOK_TEMPLATE_COMMAND, []));
  chmodSync(file, 0o755);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
