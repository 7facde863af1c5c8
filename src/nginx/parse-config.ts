// A tokenizer for nginx's configuration syntax (directives, blocks, quotes, comments), with line numbers, so ngcert
// can find the server blocks that listen on the HTTP port.

export interface Directive {
  name: string;
  args: string[];
  line: number;
  /** Present for block directives (server { ... }). */
  block?: Directive[];
  /** Character offsets of the directive in its file: from its name to just after its ";" (simple directives only). */
  start?: number;
  end?: number;
  /** With `{ blockOffsets: true }`, block directives only: just after "{", at "}", and `end` just after "}". */
  blockStart?: number;
  blockEnd?: number;
}

export interface ParseOptions {
  /** Also record where each block's braces are (what an edit inside a block needs); off by default. */
  blockOffsets?: boolean;
}

export class NginxSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

interface Token {
  text: string;
  line: number;
  /** Quoted tokens are never punctuation. */
  quoted: boolean;
  /** Offset of the token's first character (its opening quote when quoted) and just after its last. */
  start: number;
  end: number;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === "\n") {
      line++;
      i++;
    } else if (/\s/.test(ch)) {
      i++;
    } else if (ch === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (ch === "{" || ch === "}" || ch === ";") {
      tokens.push({ text: ch, line, quoted: false, start: i, end: i + 1 });
      i++;
    } else if (ch === '"' || ch === "'") {
      const start = line;
      const startOffset = i;
      let value = "";
      i++;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === "\\" && i + 1 < text.length) {
          if (text[i + 1] === "\n") line++;
          value += text[i + 1];
          i += 2;
          continue;
        }
        if (text[i] === "\n") line++;
        value += text[i++];
      }
      if (i >= text.length) throw new NginxSyntaxError(start, "unterminated quoted string");
      i++;
      tokens.push({ text: value, line: start, quoted: true, start: startOffset, end: i });
    } else {
      let value = "";
      const startOffset = i;
      while (i < text.length && !/[\s{};]/.test(text[i]!)) {
        // ${var} inside a word must not end it at the brace.
        if (text[i] === "$" && text[i + 1] === "{") {
          const close = text.indexOf("}", i);
          if (close < 0) throw new NginxSyntaxError(line, 'unterminated "${" in a word');
          value += text.slice(i, close + 1);
          i = close + 1;
          continue;
        }
        if (text[i] === "\\" && i + 1 < text.length) {
          value += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        value += text[i++];
      }
      tokens.push({ text: value, line, quoted: false, start: startOffset, end: i });
    }
  }
  return tokens;
}

export function parseNginxConfig(text: string, options: ParseOptions = {}): Directive[] {
  const tokens = tokenize(text);
  let position = 0;
  const parseBlock = (depth: number): Directive[] => {
    const directives: Directive[] = [];
    while (position < tokens.length) {
      const token = tokens[position]!;
      if (!token.quoted && token.text === "}") {
        if (depth === 0) throw new NginxSyntaxError(token.line, 'unexpected "}"');
        position++;
        return directives;
      }
      if (!token.quoted && (token.text === "{" || token.text === ";")) throw new NginxSyntaxError(token.line, `unexpected "${token.text}"`);
      const directive: Directive = { name: token.text, args: [], line: token.line, start: token.start };
      position++;
      for (;;) {
        const next = tokens[position];
        if (!next) throw new NginxSyntaxError(token.line, `directive "${directive.name}" has no ending ";" or "}"`);
        position++;
        if (!next.quoted && next.text === ";") {
          directive.end = next.end;
          break;
        }
        if (!next.quoted && next.text === "{") {
          directive.block = parseBlock(depth + 1);
          if (options.blockOffsets) {
            const close = tokens[position - 1]!;
            Object.assign(directive, { blockStart: next.end, blockEnd: close.start, end: close.end });
          }
          break;
        }
        if (!next.quoted && next.text === "}") throw new NginxSyntaxError(next.line, `directive "${directive.name}" is not terminated by ";"`);
        directive.args.push(next.text);
      }
      directives.push(directive);
    }
    if (depth > 0) throw new NginxSyntaxError(tokens[tokens.length - 1]?.line ?? 1, 'unexpected end of file, expecting "}"');
    return directives;
  };
  return parseBlock(0);
}

/** Splits `nginx -T` output into the files it dumped, in order. */
export function splitNginxDump(dump: string): { file: string; text: string }[] {
  const files: { file: string; text: string }[] = [];
  const marker = /^# configuration file (.+):$/gm;
  const matches = [...dump.matchAll(marker)];
  matches.forEach((match, index) => {
    const start = match.index! + match[0].length + 1;
    const end = index + 1 < matches.length ? matches[index + 1]!.index! : dump.length;
    files.push({ file: match[1]!, text: dump.slice(start, end) });
  });
  return files;
}
