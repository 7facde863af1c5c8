// The timeline in a terminal: one character per column (100 ms, or more when the load ran longer than the width
// allows), its height the requests answered, × where any failed; a line under it points at the marked moments. Pure.
import type { Timeline } from "../load/timeline.js";
import type { TimelineMark } from "./describe-renewal.js";

const LEVELS = "▁▂▃▄▅▆▇█";
const RED = "\u001b[31m";
const RESET = "\u001b[0m";

export interface SparklineOptions {
  /** 100 ms slots per column (slotsPerColumn), the same for every line compared. */
  slotsPerColumn: number;
  /** Requests per 100 ms that make a full block (the same for every line compared). */
  scaleMax: number;
  color: boolean;
}

/** How many 100 ms slots each column holds so that `bins` fit in `width`. */
export function slotsPerColumn(bins: number, width: number): number {
  return Math.max(1, Math.ceil(bins / Math.max(1, width)));
}

export function renderSparkline(timeline: Timeline, options: SparklineOptions): string {
  const group = Math.max(1, options.slotsPerColumn);
  let line = "";
  for (let start = 0; start < timeline.ok.length; start += group) {
    const ok = sum(timeline.ok.slice(start, start + group)) / group;
    const failed = sum(timeline.failed.slice(start, start + group));
    if (failed > 0) line += options.color ? `${RED}×${RESET}` : "×";
    else if (ok === 0) line += " ";
    else line += LEVELS[Math.min(LEVELS.length - 1, Math.max(0, Math.ceil((ok / Math.max(1, options.scaleMax)) * LEVELS.length) - 1))];
  }
  return line;
}

/** Carets under the sparkline at each mark, labelled where the label fits; a second line takes what does not. */
export function renderMarkLines(marks: readonly TimelineMark[], msPerColumn: number, width: number): string[] {
  const lines: string[] = [];
  const placed: { column: number; text: string }[][] = [];
  for (const mark of marks) {
    const column = Math.min(width - 1, Math.max(0, Math.floor(mark.atMs / msPerColumn)));
    const text = `^${mark.label}`;
    let row = placed.findIndex((items) => items.every((item) => column >= item.column + item.text.length + 1 || column + text.length + 1 <= item.column));
    if (row < 0) {
      placed.push([]);
      row = placed.length - 1;
    }
    placed[row]!.push({ column, text });
  }
  for (const items of placed) {
    let line = "";
    for (const item of [...items].sort((a, b) => a.column - b.column)) line = line.padEnd(item.column) + item.text;
    lines.push(line);
  }
  return lines;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
