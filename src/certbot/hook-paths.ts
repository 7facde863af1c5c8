// Where certbot looks for directory hooks: <config-dir>/renewal-hooks/{pre,deploy,post}/, every executable file run.

export type HookPhase = "pre" | "deploy" | "post";

export const HOOK_PHASES: readonly HookPhase[] = ["pre", "deploy", "post"];

export function hookDir(letsencryptDir: string, phase: HookPhase): string {
  return `${letsencryptDir}/renewal-hooks/${phase}`;
}

/** The file `ngcert init` installs in each hook directory. */
export function hookShimPath(letsencryptDir: string, phase: HookPhase): string {
  return `${hookDir(letsencryptDir, phase)}/ngcert`;
}
