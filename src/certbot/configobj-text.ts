// The text layer of configobj as certbot calls it (`ConfigObj(path, encoding='utf-8')`): the file is read as bytes and
// split at "\n" only, a UTF-8 BOM is dropped from the first line, each line is decoded as strict UTF-8, and trailing
// "\r"/"\n" are stripped. Python's notions of whitespace and repr() live here too, so the parser can match them.

/** Python's `str.isspace()` / regex `\s` on str: what configobj strips and splits on. */
export const PY_SPACE = "\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, "gu");
const RSTRIP = new RegExp(`[${PY_SPACE}]+$`, "u");
const SPACE = new RegExp(`[${PY_SPACE}]`, "u");

/** Python's `str.strip()`. */
export function pyStrip(text: string): string {
  // Most lines start and end with something else: no regex run, no copy.
  if (text === "" || (!SPACE.test(text[0]!) && !SPACE.test(text[text.length - 1]!))) return text;
  return text.replace(STRIP, "");
}

/** Python's `str.rstrip()`. */
export function pyRstrip(text: string): string {
  return text === "" || !SPACE.test(text[text.length - 1]!) ? text : text.replace(RSTRIP, "");
}

/** What Python's UTF-8 codec raises: certbot reports it as is. */
export class ConfDecodeError extends Error {}

const BOM = [0xef, 0xbb, 0xbf];
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const lenientDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The lines of text already decoded from valid UTF-8 (node's fast file read): the same lines as from the bytes, since
 * a "\n" byte never occurs inside a UTF-8 sequence.
 */
export function splitConfText(text: string): string[] {
  const body = text.startsWith("\ufeff") ? text.slice(1) : text;
  if (body === "") return [];
  const lines = body.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines.map((line) => (line.endsWith("\r") ? line.replace(/[\r\n]+$/u, "") : line));
}

/** The lines configobj parses, from a file's bytes. Throws ConfDecodeError with Python's message for invalid UTF-8. */
export function splitConfLines(bytes: Uint8Array, lenient = false): string[] {
  const lines: string[] = [];
  let start = 0;
  if (bytes.length >= 3 && bytes[0] === BOM[0] && bytes[1] === BOM[1] && bytes[2] === BOM[2]) start = 3;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    end = end < 0 ? bytes.length : end + 1;
    const line = bytes.subarray(start, end);
    let text: string;
    try {
      text = (lenient ? lenientDecoder : decoder).decode(line);
    } catch {
      throw new ConfDecodeError(describeUtf8Error(line));
    }
    lines.push(text.replace(/[\r\n]+$/u, ""));
    start = end;
  }
  return lines;
}

/** Python's message for the first invalid sequence, e.g. "'utf-8' codec can't decode byte 0xff in position 3: invalid start byte". */
export function describeUtf8Error(bytes: Uint8Array): string {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      need = 2;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      need = 3;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return message(bytes, i, i + 1, "invalid start byte");
    for (let k = 1; k <= need; k++) {
      if (i + k >= bytes.length) return message(bytes, i, bytes.length, "unexpected end of data");
      const byte = bytes[i + k]!;
      const ok = k === 1 ? byte >= low && byte <= high : byte >= 0x80 && byte <= 0xbf;
      if (!ok) return message(bytes, i, i + k, "invalid continuation byte");
    }
    i += need + 1;
  }
  return "'utf-8' codec can't decode the text";
}

function message(bytes: Uint8Array, start: number, end: number, reason: string): string {
  if (end - start === 1) return `'utf-8' codec can't decode byte 0x${bytes[start]!.toString(16).padStart(2, "0")} in position ${start}: ${reason}`;
  return `'utf-8' codec can't decode bytes in position ${start}-${end - 1}: ${reason}`;
}

const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's `repr()` of a str, as configobj puts a bad line into its error message. */
export function pyRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === quote || char === "\\") out += `\\${char}`;
    else if (char === "\n") out += "\\n";
    else if (char === "\r") out += "\\r";
    else if (char === "\t") out += "\\t";
    else if (char !== " " && NOT_PRINTABLE.test(char)) {
      if (code < 0x100) out += `\\x${code.toString(16).padStart(2, "0")}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, "0")}`;
      else out += `\\U${code.toString(16).padStart(8, "0")}`;
    } else out += char;
  }
  return out + quote;
}
