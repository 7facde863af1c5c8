// Parser for the configobj INI dialect certbot writes its renewal confs in: comments, [section], [[subsection]],
// quoted values and comma lists ("webroot_path = /var/www/acme," is a one-element list).

export type ConfValue = string | string[];

export interface ConfSection {
  values: Record<string, ConfValue>;
  sections: Record<string, ConfSection>;
}

export class ConfSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const SECTION = /^(\[+)\s*([^\]]*?)\s*(\]+)\s*(#.*)?$/;
const KEY_VALUE = /^([^=#[\]"']+?)\s*=\s*(.*)$/;

export function parseConfObj(text: string): ConfSection {
  const root: ConfSection = { values: {}, sections: {} };
  const stack: ConfSection[] = [root];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const section = SECTION.exec(line);
    if (line.startsWith("[")) {
      if (!section) throw new ConfSyntaxError(lineNo, `malformed section header ${JSON.stringify(line)}`);
      const depth = section[1]!.length;
      if (depth !== section[3]!.length) throw new ConfSyntaxError(lineNo, `unbalanced brackets in ${JSON.stringify(line)}`);
      if (depth > stack.length) throw new ConfSyntaxError(lineNo, `section ${JSON.stringify(section[2])} is nested too deeply`);
      const name = section[2]!;
      if (name === "") throw new ConfSyntaxError(lineNo, "empty section name");
      const parent = stack[depth - 1]!;
      if (name in parent.sections || name in parent.values) throw new ConfSyntaxError(lineNo, `duplicate section ${JSON.stringify(name)}`);
      const created: ConfSection = { values: {}, sections: {} };
      parent.sections[name] = created;
      stack.length = depth;
      stack.push(created);
      return;
    }
    const pair = KEY_VALUE.exec(line);
    if (!pair) throw new ConfSyntaxError(lineNo, `expected "key = value", found ${JSON.stringify(line)}`);
    const key = pair[1]!;
    const current = stack[stack.length - 1]!;
    if (key in current.values || key in current.sections) throw new ConfSyntaxError(lineNo, `duplicate key ${JSON.stringify(key)}`);
    current.values[key] = parseValue(pair[2]!, lineNo);
  });
  return root;
}

function parseValue(text: string, lineNo: number): ConfValue {
  const items: string[] = [];
  let rest = text.trim();
  let sawComma = false;
  while (rest !== "" && !rest.startsWith("#")) {
    let item: string;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      if (rest.startsWith(quote.repeat(3))) throw new ConfSyntaxError(lineNo, "multi-line values are not supported");
      const close = rest.indexOf(quote, 1);
      if (close < 0) throw new ConfSyntaxError(lineNo, "unterminated quoted value");
      item = rest.slice(1, close);
      rest = rest.slice(close + 1).trimStart();
    } else {
      // configobj only treats a quote at the start of a value as quoting: certbot writes `post_hook = echo it's done` as is.
      const match = /^[^,#]*/.exec(rest)!;
      item = match[0].trim();
      rest = rest.slice(match[0].length);
    }
    items.push(item);
    if (rest.startsWith(",")) {
      sawComma = true;
      rest = rest.slice(1).trimStart();
    } else if (rest !== "" && !rest.startsWith("#")) {
      throw new ConfSyntaxError(lineNo, `unexpected text ${JSON.stringify(rest)} after a value`);
    }
  }
  if (sawComma) return items.filter((item, i) => item !== "" || i < items.length - 1);
  return items[0] ?? "";
}
