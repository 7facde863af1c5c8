// The `renew_before_expiry` line of a renewal conf (top level, where certbot reads it), and whose it is. ngcert writes
// its value with a comment line directly above that repeats the value ("# ngcert-owned: 30 days (...)"), which
// certbot's configobj keeps through every renewal. The value is ngcert's while that comment is there and names the
// same value; any other value, or one without the comment, is the owner's and ngcert never changes it.

export const OWNED_MARKER = "# ngcert-owned:";

export interface RenewBeforeExpiry {
  /** As written (quotes and inline comment removed). */
  value: string;
  /** configobj reads an unquoted comma as a list, which certbot cannot use as an interval. */
  isList: boolean;
  /** ngcert wrote it (the owned comment above names this very value). */
  byNgcert: boolean;
  /** 1-based line number in the conf. */
  line: number;
}

const KEY = /^\s*renew_before_expiry\s*=\s*(.*)$/;

export function renderOwnedComment(value: string, why: string): string {
  return `${OWNED_MARKER} ${value} (${why}); ngcert leaves a value you write here alone`;
}

/** The value an owned comment names, or undefined when the line is not one. */
export function ownedValueOf(commentLine: string): string | undefined {
  const trimmed = commentLine.trim();
  if (!trimmed.startsWith(OWNED_MARKER)) return undefined;
  return /^([^(;]*)/.exec(trimmed.slice(OWNED_MARKER.length))![1]!.trim();
}

function readValue(text: string): { value: string; isList: boolean } {
  const rest = text.trim();
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    const close = rest.indexOf(quote, 1);
    if (close > 0) return { value: rest.slice(1, close), isList: rest.slice(close + 1).trimStart().startsWith(",") };
  }
  const plain = /^[^#]*/.exec(rest)![0].trim();
  return { value: plain.replace(/,\s*$/, "").trim(), isList: plain.includes(",") };
}

/** The top-level renew_before_expiry, or undefined when the conf has none (certbot then uses its default). */
export function readRenewBeforeExpiry(text: string): RenewBeforeExpiry | undefined {
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.trim().startsWith("[")) return undefined; // sections follow the top-level keys
    const match = KEY.exec(line);
    if (!match) continue;
    const { value, isList } = readValue(match[1]!);
    const above = index > 0 ? ownedValueOf(lines[index - 1]!) : undefined;
    return { value, isList, byNgcert: above !== undefined && above === value && !isList, line: index + 1 };
  }
  return undefined;
}
