// The configuration as nginx assembles it: every `include` replaced by the directives of the files it names (globs
// expanded in nginx's sorted order), each directive keeping the file and line it was written at. What request
// analysis walks, starting from `http { }`.
import path from "node:path";
import { globToRegExp } from "./includes.js";
import type { Directive } from "./parse-config.js";

export interface ConfNode {
  name: string;
  args: string[];
  file: string;
  line: number;
  block?: ConfNode[];
}

export interface ConfigTree {
  /** The main file's directives, includes expanded. */
  main: ConfNode[];
  /** The children of `http { }` (several http blocks are merged in order, as nginx would refuse them anyway). */
  http: ConfNode[];
  /** Included files nginx loads that could not be parsed: analysis of what they hold is missing. */
  unparsed: string[];
}

export interface ParsedFile {
  file: string;
  directives: Directive[];
}

// nginx refuses deeper include recursion long before this; it guards against a file including itself.
const MAX_INCLUDE_DEPTH = 16;

/**
 * `files` are what `nginx -T` dumped (the first is the main configuration); `skipped` are dumped files the parser could
 * not read. Relative include paths are relative to the main file's directory, as nginx resolves them.
 */
export function buildConfigTree(files: readonly ParsedFile[], skipped: readonly string[] = []): ConfigTree {
  const first = files[0];
  if (!first) return { main: [], http: [], unparsed: [...skipped] };
  const prefix = path.dirname(first.file);
  const byPath = new Map(files.map((entry) => [entry.file, entry.directives]));
  const allPaths = [...new Set([...files.map((entry) => entry.file), ...skipped])];
  const unparsed = new Set<string>();

  const expand = (file: string, directives: readonly Directive[], depth: number): ConfNode[] => {
    const nodes: ConfNode[] = [];
    for (const directive of directives) {
      if (directive.name === "include" && directive.args[0] !== undefined && !directive.block) {
        if (depth >= MAX_INCLUDE_DEPTH) continue;
        for (const included of resolveInclude(directive.args[0], prefix, allPaths)) {
          const parsed = byPath.get(included);
          if (parsed) nodes.push(...expand(included, parsed, depth + 1));
          else unparsed.add(included);
        }
        continue;
      }
      const node: ConfNode = { name: directive.name, args: [...directive.args], file, line: directive.line };
      if (directive.block) node.block = expand(file, directive.block, depth);
      nodes.push(node);
    }
    return nodes;
  };

  const main = expand(first.file, first.directives, 0);
  const http = main.filter((node) => node.name === "http").flatMap((node) => node.block ?? []);
  return { main, http, unparsed: [...unparsed] };
}

/** The dumped files an include pattern names, in the order nginx reads them (glob(3) sorts by byte order). */
export function resolveInclude(pattern: string, prefix: string, known: readonly string[]): string[] {
  const absolute = path.resolve(prefix, pattern);
  if (!/[*?[]/.test(absolute)) return known.includes(absolute) ? [absolute] : [];
  const matcher = globToRegExp(absolute);
  return known.filter((file) => matcher.test(file)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Every `server { }` directly in http, in configuration order: the order nginx uses to pick an implicit default. */
export function listServerNodes(tree: ConfigTree): ConfNode[] {
  return tree.http.filter((node) => node.name === "server" && node.block !== undefined);
}
