// configobj 5.0.8's parser, the one certbot reads renewal confs with, ported rule for rule: its regular expressions
// (with Python's whitespace), its section nesting, lists, single and triple quotes, duplicate checks and error messages.
// A file configobj refuses is refused here with configobj's message; one it reads gives the same values. The
// differential test in test/certbot runs configobj itself on generated files to keep it so.
import { pyRepr, pyRstrip, pyStrip, PY_SPACE, splitConfLines, splitConfText } from "./configobj-text.js";

export type ConfValue = string | string[];

/** A section: its scalar values and subsections, in file order. Both objects have no prototype. */
export interface ConfSection {
  values: Record<string, ConfValue>;
  sections: Record<string, ConfSection>;
}

export interface ConfError {
  line: number;
  message: string;
}

/** configobj's parse failure: its message, every error it collected, and what it read around them. */
export class ConfSyntaxError extends Error {
  readonly line: number;

  constructor(
    readonly errors: ConfError[],
    /** The sections and values configobj had read despite the errors (its exception's `config`). */
    readonly partial: ConfSection,
  ) {
    const first = errors[0]!;
    super(errors.length === 1 ? first.message : `Parsing failed with several errors.\nFirst error at line ${first.line}.`);
    this.line = first.line;
  }
}

const S = `[${PY_SPACE}]`;
const NS = `[^${PY_SPACE}]`;
const KEYWORD = new RegExp(`^(${S}*)((?:".*?")|(?:'.*?')|(?:[^'"=].*?))${S}*=${S}*(.*)$`, "su");
const SECTION_MARKER = new RegExp(
  `^(${S}*)((?:\\[${S}*)+)((?:"${S}*${NS}.*?${S}*")|(?:'${S}*${NS}.*?${S}*')|(?:[^'"${PY_SPACE}].*?))((?:${S}*\\])+)${S}*(#.*)?$`,
  "su",
);
const VALUE = new RegExp(
  `^(?:(?:((?:(?:(?:".*?")|(?:'.*?')|(?:[^'",#][^,#]*?))${S}*,${S}*)*)((?:".*?")|(?:'.*?')|(?:[^'",#${PY_SPACE}][^,]*?)|(?:(?<!,)))?)|(,))${S}*(#.*)?$`,
  "su",
);
const LIST_ITEM = new RegExp(`((?:".*?")|(?:'.*?')|(?:[^'",#]?.*?))${S}*,${S}*`, "gsu");
const TRIPLE: Record<string, [RegExp, RegExp]> = {
  "'''": [new RegExp(`^'''(.*?)'''${S}*(#.*)?$`, "su"), new RegExp(`^(.*?)'''${S}*(#.*)?$`, "su")],
  '"""': [new RegExp(`^"""(.*?)"""${S}*(#.*)?$`, "su"), new RegExp(`^(.*?)"""${S}*(#.*)?$`, "su")],
};

/** Python's SyntaxError inside configobj: turned into a collected error by the caller, as configobj does. */
class ValueSyntax extends Error {}

interface Node {
  section: ConfSection;
  depth: number;
  parent: Node;
}

export function createSection(): ConfSection {
  return { values: Object.create(null) as Record<string, ConfValue>, sections: Object.create(null) as Record<string, ConfSection> };
}

export function hasEntry(section: ConfSection, key: string): boolean {
  return Object.hasOwn(section.values, key) || Object.hasOwn(section.sections, key);
}

/**
 * Parses a renewal conf as configobj does, from its bytes or from text decoded from valid UTF-8. `lenient` decodes
 * bytes that are not UTF-8 as U+FFFD instead of refusing them (to learn where a conf certbot cannot read points).
 */
export function parseConfObj(input: string | Uint8Array, options: { lenient?: boolean } = {}): ConfSection {
  const lines = typeof input === "string" ? splitConfText(input) : splitConfLines(input, options.lenient);
  const root = { section: createSection(), depth: 0 } as Node;
  root.parent = root;
  const errors: ConfError[] = [];
  const fail = (text: string, index: number): void => {
    errors.push({ line: index + 1, message: `${text} at line ${index + 1}.` });
  };
  let current = root;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    const stripped = pyStrip(line);
    if (stripped === "" || stripped.startsWith("#")) continue;

    // Only a line whose first character is "[" can be a section marker (its pattern starts with spaces, then "[").
    const marker = stripped.startsWith("[") ? SECTION_MARKER.exec(line) : null;
    if (marker) {
      const depth = count(marker[2]!, "[");
      if (depth !== count(marker[4]!, "]")) {
        fail("Cannot compute the section depth", index);
        continue;
      }
      let parent: Node;
      if (depth < current.depth) {
        const match = matchDepth(current, depth);
        if (!match) {
          fail("Cannot compute nesting level", index);
          continue;
        }
        parent = match.parent;
      } else if (depth === current.depth) parent = current.parent;
      else if (depth === current.depth + 1) parent = current;
      else {
        fail("Section too nested", index);
        continue;
      }
      const name = unquote(marker[3]!);
      if (hasEntry(parent.section, name)) {
        fail("Duplicate section name", index);
        continue;
      }
      current = { section: createSection(), depth, parent };
      parent.section.sections[name] = current.section;
      continue;
    }

    const keyword = KEYWORD.exec(line);
    if (!keyword) {
      fail(`Invalid line (${pyRepr(line)}) (matched as neither section nor keyword)`, index);
      continue;
    }
    let value: ConfValue;
    const raw = keyword[3]!;
    const quote = raw.slice(0, 3);
    if (quote === '"""' || quote === "'''") {
      const multiline = readMultiline(raw, quote, lines, index);
      if (!multiline) {
        fail("Parse error in multiline value", index);
        continue;
      }
      value = multiline.value;
      index = multiline.lastIndex;
    } else {
      try {
        value = readValue(raw);
      } catch (error) {
        if (!(error instanceof ValueSyntax)) throw error;
        fail("Parse error in value", index);
        continue;
      }
    }
    const key = unquote(keyword[2]!);
    if (hasEntry(current.section, key)) {
      fail("Duplicate keyword name", index);
      continue;
    }
    current.section.values[key] = value;
  }
  if (errors.length > 0) throw new ConfSyntaxError(errors, root.section);
  return root.section;
}

function count(text: string, char: string): number {
  let n = 0;
  for (const c of text) if (c === char) n++;
  return n;
}

/** configobj's _match_depth: the open section at `depth`, walking up from `node`. */
function matchDepth(node: Node, depth: number): Node | undefined {
  let at = node;
  while (depth < at.depth) {
    if (at === at.parent) return undefined;
    at = at.parent;
  }
  return at.depth === depth ? at : undefined;
}

function unquote(value: string): string {
  if (value === "") throw new ValueSyntax();
  const first = value[0]!;
  if (first === value[value.length - 1] && (first === '"' || first === "'")) return value.slice(1, -1);
  return value;
}

/** configobj's _handle_value with list_values on: a single value or a comma list, comments dropped. */
function readValue(text: string): ConfValue {
  // Without quotes, commas or "#", configobj's pattern can only match the whole text as one value, less trailing space.
  if (!/['",#]/.test(text)) return pyRstrip(text);
  const match = VALUE.exec(text);
  if (!match) throw new ValueSyntax();
  const [, listPart, matchedSingle, emptyList] = match;
  let singlePart = matchedSingle;
  // JavaScript never lets an optional group match the empty string, Python does: where configobj's empty-value
  // alternative `(?<!,)` would have matched, Python sees '' (not None). The overall match is the same either way.
  if (singlePart === undefined && emptyList === undefined && listPart !== undefined && !listPart.endsWith(",")) singlePart = "";
  if (listPart === "" && singlePart === undefined) throw new ValueSyntax();
  if (emptyList !== undefined) return [];
  let single: string | undefined;
  if (singlePart !== undefined) {
    // An empty last item after a comma is the regex's artefact for a trailing comma, not a value.
    single = listPart && singlePart === "" ? undefined : unquote(singlePart === "" ? '""' : singlePart);
  }
  if (!listPart) return single!;
  const items = [...listPart.matchAll(LIST_ITEM)].map((item) => unquote(item[1]!));
  if (single !== undefined) items.push(single);
  return items;
}

/** configobj's _multiline: a triple-quoted value, possibly running over several lines. */
function readMultiline(value: string, quote: string, lines: string[], index: number): { value: string; lastIndex: number } | undefined {
  const [singleLine, closing] = TRIPLE[quote]!;
  const one = singleLine.exec(value);
  if (one) return { value: one[1]!, lastIndex: index };
  let text = value.slice(3);
  if (text.includes(quote)) return undefined;
  let at = index;
  let line: string | undefined;
  while (at < lines.length - 1) {
    at++;
    text += "\n";
    line = lines[at]!;
    if (!line.includes(quote)) text += line;
    else break;
  }
  if (line === undefined || !line.includes(quote)) return undefined;
  const end = closing.exec(line);
  if (!end) return undefined;
  return { value: text + end[1]!, lastIndex: at };
}
