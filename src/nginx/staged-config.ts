// Tests configuration changes before nginx's include globs can see them. A new or changed file is written under a
// hidden staging name (no `*.conf` matches it), and `nginx -t` runs on a copy of the main config, next to it (nginx
// resolves relative includes against that directory), in which each include that would pick up the changed file
// is spelled out as the list nginx would read afterwards, staged names in place of final ones. Only once that passes
// is a staged file renamed into place, so a run killed at any instant never leaves nginx a file it has not tested.
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Exec } from "../exec.js";
import { NgcertError } from "../errors.js";
import type { Settings } from "../settings/settings.js";
import { compareBytes, expandInclude } from "./expand-include.js";
import { NginxTestError, testNginxConfig } from "./nginx-control.js";
import { globToRegExp } from "./includes.js";
import { parseNginxConfig, type Directive } from "./parse-config.js";

/** A file as it will be: `stagedPath` holds its new content, or null when it is to be removed. */
export interface StagedFile {
  finalPath: string;
  stagedPath: string | null;
}

/** The hidden name a file is staged under, beside its final place. */
export function stagingPathFor(finalPath: string): string {
  return path.join(path.dirname(finalPath), `.${path.basename(finalPath)}.ngcert-staged-${randomBytes(4).toString("hex")}`);
}

/** Matches what staging leaves behind when a run is killed: hidden, never matched by an include glob. */
export const LEFTOVER = /^\.(?:.+\.ngcert-staged-[0-9a-f]{8}|ngcert-test-[0-9a-f]{8}\.conf)$/;

const MAX_DEPTH = 16;

export async function testStagedConfig(settings: Settings, exec: Exec, changes: readonly StagedFile[]): Promise<string[]> {
  const configDir = path.dirname(settings.nginxConf);
  const byFinal = new Map(changes.map((change) => [path.resolve(change.finalPath), change]));
  const written: string[] = [];
  const rename = new Map<string, string>();
  const copyFor = (file: string, depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return undefined;
    }
    if (!text.includes("include")) return undefined;
    let directives: Directive[];
    try {
      directives = parseNginxConfig(text);
    } catch {
      return undefined;
    }
    const edits: { start: number; end: number; text: string }[] = [];
    for (const include of collectIncludes(directives)) {
      const before = include.args.flatMap((pattern) => expandInclude(pattern, configDir));
      const matchers = include.args.map((pattern) => path.resolve(configDir, pattern));
      const added = [...byFinal.keys()].filter((final) => matchers.some((pattern) => matchesPattern(pattern, final)) && !before.includes(final));
      const literal = include.args.length === 1 && !/[*?[]/.test(include.args[0]!);
      const after = [...before, ...added].sort(compareBytes).filter((file) => literal || byFinal.get(file)?.stagedPath !== null);
      let changed = added.length > 0 || after.length !== before.length;
      const targets = after.map((entry) => {
        if (byFinal.get(entry)?.stagedPath === null) {
          // A file named literally and removed: nginx will fail to open it, so must the test.
          changed = true;
          const gone = `${entry}.ngcert-removed-${randomBytes(4).toString("hex")}`;
          rename.set(gone, entry);
          return gone;
        }
        const staged = byFinal.get(entry)?.stagedPath;
        if (staged) {
          changed = true;
          rename.set(staged, entry);
          // A staged file may include another staged one (the catch-all and its snippet).
          return copyFor(staged, depth + 1) ?? staged;
        }
        const copy = copyFor(entry, depth + 1);
        if (copy) changed = true;
        return copy ?? entry;
      });
      if (!changed || include.start === undefined || include.end === undefined) continue;
      // Same line count as the original, so nginx's line numbers in other places still point at the real file.
      const newlines = text.slice(include.start, include.end).split("\n").length - 1;
      const replacement = targets.length === 0 ? "" : targets.map((target) => `include ${quote(target)};`).join(" ");
      edits.push({ start: include.start, end: include.end, text: `${replacement}${"\n".repeat(newlines)}` });
    }
    if (edits.length === 0) return undefined;
    let result = text;
    for (const edit of edits.sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
    const copy = path.join(configDir, `.ngcert-test-${randomBytes(4).toString("hex")}.conf`);
    writeFileSync(copy, result, { mode: 0o600, flag: "wx" });
    written.push(copy);
    rename.set(copy, rename.get(file) ?? file);
    return copy;
  };
  try {
    const main = copyFor(path.resolve(settings.nginxConf), 0);
    const reached = new Set(rename.values());
    const unreached = changes.filter((change) => change.stagedPath !== null && !reached.has(path.resolve(change.finalPath)));
    if (main === undefined || unreached.length > 0) {
      const missing = (unreached.length > 0 ? unreached : changes).map((change) => change.finalPath).join(", ");
      throw new NgcertError("CONFLICT", `nginx's configuration (${settings.nginxConf}) does not include ${missing}: add an include for its directory inside the http { } block`);
    }
    try {
      const warnings = await testNginxConfig(settings, exec, { confFile: main });
      return warnings.map((warning) => [...rename].reduce((acc, [temp, final]) => acc.split(temp).join(final), warning));
    } catch (error) {
      if (!(error instanceof NginxTestError)) throw error;
      // Name the real files in the message, not the staging copies.
      const real = (text: string): string => [...rename].reduce((acc, [temp, final]) => acc.split(temp).join(final), text);
      const failure = { ...error.failure, message: real(error.failure.message), file: error.failure.file === undefined ? undefined : real(error.failure.file) };
      throw new NginxTestError(real(error.message), failure, real(error.details ?? ""));
    }
  } finally {
    for (const file of written) rmSync(file, { force: true });
  }
}

function collectIncludes(directives: readonly Directive[]): Directive[] {
  return directives.flatMap((directive) => [...(directive.name === "include" ? [directive] : []), ...(directive.block ? collectIncludes(directive.block) : [])]);
}

function matchesPattern(absolutePattern: string, file: string): boolean {
  if (!/[*?[]/.test(absolutePattern)) return absolutePattern === file;
  // Only the file name may hold wildcards here: ngcert's files go into a directory the pattern names.
  if (path.dirname(absolutePattern) !== path.dirname(file)) return false;
  return globToRegExp(path.basename(absolutePattern)).test(path.basename(file));
}

function quote(file: string): string {
  return /^[^\s;{}"'#$\\]+$/.test(file) ? file : `"${file.replace(/(["\\])/g, "\\$1")}"`;
}
