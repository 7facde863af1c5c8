// Points a stack trace from the bundle at the sources: every frame in the bundled file is looked up in its source map
// (ngcert.js.map beside it) and shown as src/…/file.ts:line:column. Read only when --verbose prints a stack, so normal
// runs never load the map; node's own --enable-source-maps cannot be switched on for a file already loaded.
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapPayload } from "node:module";
import path from "node:path";

/** The stack with the frames of `bundleFile` mapped to their sources; unchanged when there is no readable map. */
export function mapStackToSources(stack: string, bundleFile: string): string {
  let map: SourceMap;
  try {
    map = new SourceMap(JSON.parse(readFileSync(`${bundleFile}.map`, "utf8")) as SourceMapPayload);
  } catch {
    return stack;
  }
  const escaped = bundleFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const frame = new RegExp(`(?:file://)?${escaped}:(\\d+):(\\d+)`, "g");
  return stack.replace(frame, (whole, line: string, column: string) => {
    const entry = map.findEntry(Number(line) - 1, Number(column) - 1) as Partial<{ originalSource: string; originalLine: number; originalColumn: number }>;
    if (entry.originalSource === undefined || entry.originalLine === undefined || entry.originalColumn === undefined) return whole;
    return `${displaySource(entry.originalSource, bundleFile)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}

/** esbuild names sources relative to dist/ ("../src/cli.ts"): shown as in the repository ("src/cli.ts"). */
function displaySource(source: string, bundleFile: string): string {
  const relative = source.startsWith("file://") ? path.relative(path.dirname(bundleFile), new URL(source).pathname) : source;
  return relative.replace(/^(\.\.\/)+/, "");
}
