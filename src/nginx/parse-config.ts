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

// Character codes the tokenizer compares with (a configuration of thousands of server blocks is hundreds of thousands
// of characters: no regular expression per character, and each token is one slice of the text, not a string built a
// character at a time).
const NEWLINE = 10;
const HASH = 35;
const BACKSLASH = 92;
const DOLLAR = 36;
const BRACE_OPEN = 123;
const BRACE_CLOSE = 125;
const SEMICOLON = 59;

/** What /\s/ matches among the characters a configuration holds (ASCII whitespace and the Unicode spaces). */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === NEWLINE) {
      line++;
      i++;
    } else if (isSpace(code)) {
      i++;
    } else if (code === HASH) {
      while (i < text.length && text.charCodeAt(i) !== NEWLINE) i++;
    } else if (code === BRACE_OPEN || code === BRACE_CLOSE || code === SEMICOLON) {
      tokens.push({ text: text[i]!, line, quoted: false, start: i, end: i + 1 });
      i++;
    } else if (code === 34 || code === 39) {
      // A quoted string: a backslash keeps the character after it and is itself dropped.
      const start = line;
      const startOffset = i;
      const parts: string[] = [];
      i++;
      let from = i;
      while (i < text.length && text.charCodeAt(i) !== code) {
        const at = text.charCodeAt(i);
        if (at === BACKSLASH && i + 1 < text.length) {
          if (text.charCodeAt(i + 1) === NEWLINE) line++;
          parts.push(text.slice(from, i));
          from = i + 1;
          i += 2;
          continue;
        }
        if (at === NEWLINE) line++;
        i++;
      }
      if (i >= text.length) throw new NginxSyntaxError(start, "unterminated quoted string");
      parts.push(text.slice(from, i));
      i++;
      tokens.push({ text: parts.length === 1 ? parts[0]! : parts.join(""), line: start, quoted: true, start: startOffset, end: i });
    } else {
      // A word, kept as written: a backslash and the character after it, and ${var} (whose brace does not end it).
      const startOffset = i;
      while (i < text.length) {
        const at = text.charCodeAt(i);
        if (isSpace(at) || at === BRACE_OPEN || at === BRACE_CLOSE || at === SEMICOLON) break;
        if (at === DOLLAR && text.charCodeAt(i + 1) === BRACE_OPEN) {
          const close = text.indexOf("}", i);
          if (close < 0) throw new NginxSyntaxError(line, 'unterminated "${" in a word');
          i = close + 1;
          continue;
        }
        i += at === BACKSLASH && i + 1 < text.length ? 2 : 1;
      }
      tokens.push({ text: text.slice(startOffset, i), line, quoted: false, start: startOffset, end: i });
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
