// Runs `ngcert watch` (the built CLI) as a long-lived child with the world's environment, collects its JSON event
// lines as they arrive, and lets a test wait for one. Every watcher started here is tracked, so afterEach/afterAll
// can make sure none outlives its test.
import { spawn, type ChildProcess } from "node:child_process";
import { CLI } from "./run-ngcert.js";

export interface WatchEventLine {
  time: string;
  event: string;
  name?: string;
  [detail: string]: unknown;
}

export interface ReceivedEvent {
  event: WatchEventLine;
  /** Date.now() when the line arrived on the watcher's stdout. */
  receivedAt: number;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Watcher {
  pid: number;
  received: ReceivedEvent[];
  events(): WatchEventLine[];
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited. */
  exited: Promise<Exit>;
  /** The exit, once it happened. */
  exit(): Exit | undefined;
  /** Index to pass as `from` so a wait only sees events that arrive after now. */
  mark(): number;
  /** The first event at index >= from that matches; rejects on timeout or when the watcher exits first. */
  waitForEvent(match: (event: WatchEventLine) => boolean, options: { from?: number; timeoutMs?: number; what: string }): Promise<ReceivedEvent>;
  /** SIGTERM, then SIGKILL after graceMs; resolves once it has exited. */
  stop(graceMs?: number): Promise<Exit>;
}

const running = new Set<Watcher>();

export interface WatcherOptions {
  env: Record<string, string>;
  /** Extra environment on top of `env`. */
  extraEnv?: Record<string, string>;
}

export function startWatcher(args: readonly string[], options: WatcherOptions): Watcher {
  const child: ChildProcess = spawn(process.execPath, [CLI, "watch", ...args], { env: { ...options.env, ...options.extraEnv }, stdio: ["ignore", "pipe", "pipe"] });
  const received: ReceivedEvent[] = [];
  let out = "";
  let err = "";
  let pending = "";
  let exit: Exit | undefined;
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    out += chunk;
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      let event: WatchEventLine;
      try {
        event = JSON.parse(line) as WatchEventLine;
      } catch {
        event = { time: "", event: "unparsable-line", line };
      }
      received.push({ event, receivedAt: Date.now() });
    }
    notify();
  });
  child.stderr!.on("data", (chunk: string) => void (err += chunk));
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      exit = { code, signal };
      running.delete(watcher);
      notify();
      resolve(exit);
    });
  });

  const watcher: Watcher = {
    pid: child.pid ?? -1,
    received,
    events: () => received.map((entry) => entry.event),
    stdout: () => out,
    stderr: () => err,
    exited,
    exit: () => exit,
    mark: () => received.length,
    waitForEvent: (match, { from = 0, timeoutMs = 15_000, what }) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const found = received.slice(from).find((entry) => match(entry.event));
          if (found) {
            done();
            resolve(found);
            return true;
          }
          if (exit) {
            done();
            reject(new Error(`ngcert watch exited (${JSON.stringify(exit)}) before ${what}\n${describeWatcher(watcher)}`));
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs} ms\n${describeWatcher(watcher)}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        const listener = (): void => void check();
        listeners.add(listener);
        check();
      }),
    stop: async (graceMs = 5_000) => {
      if (exit) return exit;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
  running.add(watcher);
  return watcher;
}

/** Stops every watcher still running (for afterEach/afterAll). */
export async function stopAllWatchers(): Promise<void> {
  await Promise.all([...running].map((watcher) => watcher.stop(2_000)));
}

/** For assertion messages: what the watcher said so far. */
export function describeWatcher(watcher: Watcher): string {
  return `--- ngcert watch stdout ---\n${watcher.stdout()}--- ngcert watch stderr ---\n${watcher.stderr()}`;
}
