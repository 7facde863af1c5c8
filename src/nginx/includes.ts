// Does the nginx configuration include a given file? Include patterns are globs, relative to the config's directory.
import path from "node:path";
import type { Directive } from "./parse-config.js";

// As glob(3), which nginx uses: a wildcard never matches a name's leading dot; [a-z] and [!a-z] are sets.
export function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    const atNameStart = i === 0 || glob[i - 1] === "/";
    if (ch === "*") source += atNameStart ? "(?!\\.)[^/]*" : "[^/]*";
    else if (ch === "?") source += atNameStart ? "[^/.]" : "[^/]";
    else if (ch === "[" && glob.indexOf("]", i + 2) > i) {
      const close = glob.indexOf("]", i + 2);
      const set = glob.slice(i + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
      source += `[${set}]`;
      i = close;
    } else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
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
