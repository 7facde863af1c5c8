// What the long-running commands (`watch`, `cluster run`) share: each event as a JSON line on stdout and, with
// --on-event, on the stdin of that command — one at a time, in order, so a slow notifier never reorders events — and a
// stop on SIGTERM, SIGINT or SIGHUP. A notifier cannot hold the watcher: it runs in a process group of its own that is
// killed whole at its timeout, what it leaves running is killed soon after it exits, only the start of its output is
// kept, and events it falls behind on are dropped oldest first.
import type { Context } from "../context.js";
import { formatDuration } from "../exec.js";

export interface EventStream<E> {
  emit: (event: E) => void;
  /** Aborted on SIGTERM, SIGINT or SIGHUP. */
  signal: AbortSignal;
  /** Stops listening for signals and gives the --on-event commands still queued a few seconds (NOTIFY_CLOSE_MS). */
  close: () => Promise<void>;
}

export interface EventStreamLimits {
  /** How long one --on-event run may take before its group is killed. */
  timeoutMs: number;
  /** After the command exited, how long what it started may hold its output open before it is killed. */
  leftoverGraceMs: number;
  /** Events waiting for the command beyond this many: the oldest are dropped. */
  maxPending: number;
  /** How long close() waits for the commands under way and queued before interrupting them. */
  closeMs: number;
}

export const NOTIFY_LIMITS: EventStreamLimits = { timeoutMs: 30_000, leftoverGraceMs: 1_000, maxPending: 1_000, closeMs: 3_000 };
/** Of a notifier's output only the start is kept: the log quotes the first line of its stderr. */
const NOTIFY_OUTPUT_BYTES = 64 * 1024;

/** Stopping a long-running command: a hang-up (the terminal or SSH session closing) is a stop like the others. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT", "SIGHUP"];

export function openEventStream<E>(context: Context, render: (event: E) => string, onEvent: string[] | undefined, log: (line: string) => void, limits: EventStreamLimits = NOTIFY_LIMITS): EventStream<E> {
  const pending: string[] = [];
  let dropped = 0;
  let worker: Promise<void> | undefined;
  // Aborted when close() has waited long enough: interrupts the command under way.
  const giveUp = new AbortController();

  const reportDropped = (): void => {
    if (dropped === 0) return;
    log(`--on-event command fell behind: the ${dropped} oldest event${dropped === 1 ? " was" : "s were"} dropped without running it`);
    dropped = 0;
  };

  const notify = async (line: string): Promise<void> => {
    const [program, ...rest] = onEvent!;
    try {
      const result = await context.exec(program!, rest, {
        input: line,
        allowFailure: true,
        timeoutMs: limits.timeoutMs,
        ownProcessGroup: true,
        leftoverGraceMs: limits.leftoverGraceMs,
        maxOutputBytes: NOTIFY_OUTPUT_BYTES,
        signal: giveUp.signal,
      });
      const said = result.exitCode === 0 ? "" : `: ${result.stderr.trim().split("\n")[0] ?? ""}`;
      const left = result.leftBehind ? `; what it left running still held its output ${formatDuration(limits.leftoverGraceMs)} later and was killed` : "";
      if (result.exitCode !== 0 || left !== "") log(`--on-event command exited with ${result.exitCode}${said}${left}`);
    } catch (error) {
      log(`--on-event command: ${error instanceof Error ? error.message : String(error)}`);
    }
  };

  const drain = async (): Promise<void> => {
    for (let line = pending.shift(); line !== undefined; line = pending.shift()) {
      reportDropped();
      await notify(line);
    }
    reportDropped();
    worker = undefined;
  };

  const emit = (event: E): void => {
    const line = render(event);
    context.stdout.write(line);
    if (!onEvent) return;
    pending.push(line);
    if (pending.length > limits.maxPending) {
      pending.shift();
      dropped += 1;
    }
    worker ??= drain();
  };

  const controller = new AbortController();
  const stop = (): void => controller.abort();
  // `on`, not `once`: execa's signal-exit re-sends the signal (killing us) when it finds itself the only listener
  // left, which a spent `once` listener would leave it whenever a program (nginx -T, --on-event) is running.
  for (const signal of STOP_SIGNALS) process.on(signal, stop);
  return {
    emit,
    signal: controller.signal,
    close: async () => {
      for (const signal of STOP_SIGNALS) process.off(signal, stop);
      const running = worker;
      if (running === undefined) return;
      let timer: NodeJS.Timeout | undefined;
      const waited = await Promise.race([running.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), limits.closeMs)))]);
      clearTimeout(timer);
      if (waited) return;
      const undelivered = pending.length + dropped;
      pending.length = 0;
      dropped = 0;
      giveUp.abort();
      await running;
      if (undelivered > 0) log(`stopping: ${undelivered} event${undelivered === 1 ? " was" : "s were"} not given to the --on-event command`);
    },
  };
}
