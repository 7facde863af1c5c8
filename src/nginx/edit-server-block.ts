// Small, exact edits to a server block in the text of an nginx file, located by the line the block starts on: add an
// include, move server-level redirects into `location /`, point a block's own challenge location at a webroot.
// Everything outside the edited directives stays byte for byte; an edit that does not fit the text is refused.
import { parseNginxConfig, type Directive } from "./parse-config.js";

export type TextEdit = { ok: true; text: string } | { ok: false; reason: string };

/** Directive names of the rewrite module, which run at server level before any location is chosen. */
const REWRITE_DIRECTIVES = new Set(["return", "rewrite", "if", "set", "break"]);

function findDirective(directives: readonly Directive[], name: string, line: number): Directive | undefined {
  for (const directive of directives) {
    if (directive.name === name && directive.line === line && directive.block) return directive;
    const nested = directive.block ? findDirective(directive.block, name, line) : undefined;
    if (nested) return nested;
  }
  return undefined;
}

function parse(text: string): Directive[] | string {
  try {
    return parseNginxConfig(text, { blockOffsets: true });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

function indentAt(text: string, offset: number): string {
  return /^[ \t]*/.exec(text.slice(lineStart(text, offset)))![0];
}

/** The indentation one level inside `block`: its first directive's, else the block's own plus four spaces. */
function innerIndent(text: string, block: Directive): string {
  const first = block.block?.[0];
  const ownLine = first?.start !== undefined && lineStart(text, first.start) !== lineStart(text, block.start!);
  return ownLine ? indentAt(text, first.start!) : `${indentAt(text, block.start!)}    `;
}

export function addIncludeToServer(text: string, serverLine: number, includePath: string): TextEdit {
  const directives = parse(text);
  if (typeof directives === "string") return { ok: false, reason: directives };
  const server = findDirective(directives, "server", serverLine);
  if (!server?.block) return { ok: false, reason: `no server block starts on line ${serverLine}` };
  if (server.block.some((directive) => directive.name === "include" && directive.args[0] === includePath)) return { ok: false, reason: `it already includes ${includePath}` };
  const anchors = server.block.filter((directive) => directive.name === "server_name" || directive.name === "listen");
  const anchor = anchors[anchors.length - 1];
  let at = anchor?.end ?? server.blockStart!;
  // A comment after the anchor on its line stays with it: the include goes on the next line.
  const lineEnd = text.indexOf("\n", at);
  const rest = text.slice(at, lineEnd < 0 ? text.length : lineEnd);
  if (/^\s*(#.*)?$/.test(rest)) at = lineEnd < 0 ? text.length : lineEnd;
  return { ok: true, text: `${text.slice(0, at)}\n${innerIndent(text, server)}include ${includePath};${text.slice(at)}` };
}

/** The whole lines a directive occupies, when nothing else shares them (a trailing comment goes with it). */
function wholeLines(text: string, directive: Directive): { from: number; to: number } | undefined {
  const from = lineStart(text, directive.start!);
  if (text.slice(from, directive.start).trim() !== "") return undefined;
  const newline = text.indexOf("\n", directive.end!);
  const to = newline < 0 ? text.length : newline + 1;
  const rest = text.slice(directive.end, newline < 0 ? text.length : newline).trim();
  return rest === "" || rest.startsWith("#") ? { from, to } : undefined;
}

/**
 * Moves every server-level rewrite directive (return, rewrite, if, set, break) into a new `location /`, in order,
 * and adds the include first when asked. Refused when the server has locations of its own: they were dead behind the
 * server-level redirect and would come alive.
 */
export function moveRedirectIntoLocation(text: string, serverLine: number, includePath: string | undefined): TextEdit {
  const directives = parse(text);
  if (typeof directives === "string") return { ok: false, reason: directives };
  const server = findDirective(directives, "server", serverLine);
  if (!server?.block) return { ok: false, reason: `no server block starts on line ${serverLine}` };
  if (server.block.some((directive) => directive.name === "location")) return { ok: false, reason: "the server has locations of its own, which the server-level redirect hides today; moving it would bring them into service" };
  const moved = server.block.filter((directive) => REWRITE_DIRECTIVES.has(directive.name));
  if (moved.length === 0) return { ok: false, reason: "no server-level return, rewrite or if in that block" };
  // A directive on lines of its own moves with them (its trailing comment too); one sharing a line moves alone.
  const spans = moved.map((directive) => {
    const lines = wholeLines(text, directive);
    if (lines) return { ...lines, body: text.slice(lines.from, lines.to).replace(/\n$/, "") };
    const from = directive.start! - /[ \t]*$/.exec(text.slice(0, directive.start))![0].length;
    return { from, to: directive.end!, body: `${innerIndent(text, server)}${text.slice(directive.start, directive.end)}` };
  });
  const inner = innerIndent(text, server);
  const outer = indentAt(text, server.start!);
  const body = spans
    .map((span) =>
      span.body
        .split("\n")
        .map((line) => (line.trim() === "" ? "" : `    ${line}`))
        .join("\n"),
    )
    .join("\n");
  const block = `${includePath ? `${inner}include ${includePath};\n\n` : "\n"}${inner}location / {\n${body}\n${inner}}\n`;
  let result = text;
  let closing = lineStart(text, server.blockEnd!);
  const closingOwnLine = text.slice(closing, server.blockEnd).trim() === "";
  // Blank lines just above the closing brace would end up between the new location and the brace: they go.
  let above = closing;
  while (closingOwnLine && above > 0 && text.slice(lineStart(text, above - 1), above).trim() === "" && lineStart(text, above - 1) > server.blockStart!) above = lineStart(text, above - 1);
  const spanEnds = spans.map((span) => span.to);
  if (spanEnds.every((end) => end <= above)) closing = above;
  result = closingOwnLine ? `${result.slice(0, closing)}${block}${result.slice(lineStart(text, server.blockEnd!))}` : `${result.slice(0, server.blockEnd).replace(/[ \t]+$/, "")}\n${block}${outer}${result.slice(server.blockEnd)}`;
  for (const span of [...spans].reverse()) {
    let to = span.to;
    // Blank lines the moved directive leaves behind at the top of the block or after another blank line go too.
    if (/(\{[^\n]*|^|\n[ \t]*)\n$/.test(result.slice(0, span.from))) while (/^[ \t]*\n/.test(result.slice(to))) to = result.indexOf("\n", to) + 1;
    result = result.slice(0, span.from) + result.slice(to);
  }
  return { ok: true, text: result };
}

/**
 * Points a location (a block's own `/.well-known/acme-challenge/`) at `webroot`: its root, or an alias replaced by
 * that root, or a root added; with `noregex`, a plain prefix becomes `^~` so no regex location wins over it. With
 * `fallbackRoot`, a token not under `webroot` is still looked for under the old root (a named location beside it),
 * so renewals that write there keep working until they move.
 */
export function pointLocationAtWebroot(text: string, locationLine: number, webroot: string, options: { noregex: boolean; fallbackRoot?: string }): TextEdit {
  const directives = parse(text);
  if (typeof directives === "string") return { ok: false, reason: directives };
  const location = findDirective(directives, "location", locationLine);
  if (!location?.block) return { ok: false, reason: `no location block starts on line ${locationLine}` };
  const edits: { from: number; to: number; text: string }[] = [];
  const roots = location.block.filter((directive) => directive.name === "root" || directive.name === "alias");
  if (roots.length > 1) return { ok: false, reason: "the location sets its root more than once" };
  const root = roots[0];
  const inner = innerIndent(text, location);
  if (root) edits.push({ from: root.start!, to: root.end!, text: `root ${webroot};` });
  else edits.push({ from: location.blockStart!, to: location.blockStart!, text: `\n${inner}root ${webroot};` });
  if (options.noregex && location.args.length === 1 && !/^[=~^@]/.test(location.args[0]!)) {
    const name = text.indexOf("location", location.start!);
    const arg = text.indexOf(location.args[0]!, name + "location".length);
    if (arg < 0 || arg > location.blockStart!) return { ok: false, reason: "cannot find the location's prefix in the text" };
    edits.push({ from: arg, to: arg, text: "^~ " });
  }
  if (options.fallbackRoot !== undefined) {
    const parent = parentOf(directives, location);
    if (parent !== undefined && parent.name !== "server") return { ok: false, reason: "the location is nested in another location, where the fallback to the old webroot cannot be placed" };
    const fallback = "@ngcert_previous_webroot";
    const tryFiles = location.block.filter((directive) => directive.name === "try_files");
    if (tryFiles.length > 1) return { ok: false, reason: "the location has several try_files" };
    const line = `try_files $uri ${fallback};`;
    if (tryFiles[0]) edits.push({ from: tryFiles[0].start!, to: tryFiles[0].end!, text: line });
    else edits.push({ from: location.blockStart!, to: location.blockStart!, text: `\n${inner}${line}` });
    const outer = indentAt(text, location.start!);
    edits.push({ from: location.end!, to: location.end!, text: `\n${outer}# Tokens certbot still writes to the previous webroot, until every lineage renews through ${webroot}.\n${outer}location ${fallback} {\n${inner}root ${options.fallbackRoot};\n${outer}}` });
  }
  let result = text;
  for (const edit of edits.sort((a, b) => b.from - a.from)) result = result.slice(0, edit.from) + edit.text + result.slice(edit.to);
  return { ok: true, text: result };
}

/** The block directly around `target` (undefined at the top level of the file). */
function parentOf(directives: readonly Directive[], target: Directive, parent?: Directive): Directive | undefined {
  for (const directive of directives) {
    if (directive === target) return parent;
    if (directive.block) {
      const found = parentOf(directive.block, target, directive);
      if (found !== undefined || directive.block.includes(target)) return found ?? directive;
    }
  }
  return undefined;
}
