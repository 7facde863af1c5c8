// Splits a command string (the reload command) into program and arguments the way a shell would quote, without a shell.
import { NgcertError } from "../errors.js";

export function splitCommand(text: string, what: string): string[] {
  const words: string[] = [];
  let current = "";
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      else if (ch === "\\" && quote === '"' && (text[i + 1] === '"' || text[i + 1] === "\\")) current += text[++i];
      else current += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < text.length) {
      current += text[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = "";
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (quote) throw new NgcertError("INVALID_INPUT", `${what} \`${text}\` has an unclosed ${quote} quote`);
  if (inWord) words.push(current);
  if (words.length === 0) throw new NgcertError("INVALID_INPUT", `${what} is empty: give a program and its arguments`);
  return words;
}
