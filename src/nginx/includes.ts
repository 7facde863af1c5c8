// Does the nginx configuration include a given file? Include patterns are globs, relative to the config's directory.
import path from "node:path";
import type { Directive } from "./parse-config.js";

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (const ch of glob) {
    if (ch === "*") source += "[^/]*";
    else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

export function collectIncludePatterns(directives: readonly Directive[]): string[] {
  return directives.flatMap((directive) => [
    ...(directive.name === "include" ? directive.args : []),
    ...(directive.block ? collectIncludePatterns(directive.block) : []),
  ]);
}

export function isIncluded(patterns: readonly string[], file: string, configDir: string): boolean {
  return patterns.some((pattern) => globToRegExp(path.resolve(configDir, pattern)).test(file));
}
