// Runs a program once and measures its wall time and, when possible, its peak resident memory.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface Run {
  ms: number;
  status: number | null;
  stdout: string;
  stderr: string;
  /** Peak RSS in KiB; undefined when it could not be measured. */
  peakRssKiB: number | undefined;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Wrap in GNU time to record the peak RSS. */
  measureRss?: boolean;
}

const GNU_TIME = "/usr/bin/time";
let scratch: string | undefined;

/** Without GNU time, node children report their own peak RSS (KiB on Linux) from an --import preload at exit. */
const NODE_PRELOAD = `data:text/javascript,${encodeURIComponent(
  'import { writeFileSync } from "node:fs"; process.on("exit", () => writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS)));',
)}`;

/** GNU time reports %M (peak RSS, KiB); a BSD or busybox time may not, so try it once. */
export const rssProbe: "gnu-time" | "node-preload" =
  existsSync(GNU_TIME) && /^\d+$/.test(spawnSync(GNU_TIME, ["-f", "%M", "true"], { encoding: "utf8" }).stderr.trim()) ? "gnu-time" : "node-preload";

export function runTimed(command: string, args: readonly string[], options: RunOptions = {}): Run {
  const measure = options.measureRss === true && (rssProbe === "gnu-time" || command === process.execPath);
  scratch ??= measure ? mkdtempSync(path.join(tmpdir(), "ngcert-bench-rss-")) : undefined;
  const rssFile = path.join(scratch ?? tmpdir(), "rss");
  if (measure) rmSync(rssFile, { force: true });
  const [program, argv] = !measure
    ? [command, [...args]]
    : rssProbe === "gnu-time"
      ? [GNU_TIME, ["-f", "%M", "-o", rssFile, command, ...args]]
      : [command, [`--import=${NODE_PRELOAD}`, ...args]];
  const env = measure && rssProbe === "node-preload" ? { ...(options.env ?? process.env), BENCH_RSS_FILE: rssFile } : (options.env ?? process.env);
  const started = performance.now();
  const result = spawnSync(program, argv, { encoding: "utf8", env, maxBuffer: 256 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (result.error) throw result.error;
  return { ms, status: result.status, stdout: result.stdout, stderr: result.stderr, peakRssKiB: measure ? readRss(rssFile) : undefined };
}

/** GNU time prefixes "Command exited with non-zero status N" when the program failed: the number is the last line. */
function readRss(file: string): number | undefined {
  try {
    const last = readFileSync(file, "utf8").trim().split("\n").at(-1) ?? "";
    return /^\d+$/.test(last) ? Number(last) : undefined;
  } catch {
    return undefined;
  }
}

export function removeScratch(): void {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
