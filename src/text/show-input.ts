// Puts what a user typed into a one-line message: control characters (a newline in a pasted name) are shown escaped,
// so a refusal stays one line and cannot forge lines of its own.
const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

export function showInput(input: string): string {
  return input.replace(/[\u0000-\u001f\u007f]/g, (char) => NAMED[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
