// Expands an include pattern the way nginx does (glob(3) without flags: wildcards never match a leading dot, results
// sorted in byte order since nginx never sets a locale), relative paths against the main config's directory.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { globToRegExp } from "./includes.js";

const WILDCARD = /[*?[]/;

export function expandInclude(pattern: string, configDir: string): string[] {
  const absolute = path.resolve(configDir, pattern);
  if (!WILDCARD.test(absolute)) return [absolute];
  const parts = absolute.split("/").filter((part) => part !== "");
  let current = ["/"];
  for (const part of parts) {
    const next: string[] = [];
    for (const dir of current) {
      if (!WILDCARD.test(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      const matcher = globToRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(dir);
      } catch {
        names = [];
      }
      for (const name of names) if (matcher.test(name)) next.push(path.join(dir, name));
    }
    current = next;
  }
  // glob(3) returns only what exists; nginx then skips directories a pattern matched.
  return current.filter((file) => isFile(file)).sort(compareBytes);
}

export function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}
