// What the long-running commands (`watch`, `cluster run`) share: each event as a JSON line on stdout and, with
// --on-event, on the stdin of that command — one at a time, in order, so a slow notifier never reorders events — and a
// stop on SIGTERM or SIGINT.
import type { Context } from "../context.js";

export interface EventStream<E> {
  emit: (event: E) => void;
  /** Aborted on SIGTERM or SIGINT. */
  signal: AbortSignal;
  /** Stops listening for signals and waits for the --on-event commands still queued. */
  close: () => Promise<void>;
}

export function openEventStream<E>(context: Context, render: (event: E) => string, onEvent: string[] | undefined, log: (line: string) => void): EventStream<E> {
  let notifications: Promise<void> = Promise.resolve();
  const emit = (event: E): void => {
    const line = render(event);
    context.stdout.write(line);
    if (!onEvent) return;
    const [program, ...rest] = onEvent;
    notifications = notifications.then(async () => {
      const result = await context.exec(program!, rest, { input: line, allowFailure: true, timeoutMs: 30_000 }).catch((error: unknown) => ({
        exitCode: -1,
        stderr: error instanceof Error ? error.message : String(error),
      }));
      if (result.exitCode !== 0) log(`--on-event command exited with ${result.exitCode}: ${result.stderr.trim().split("\n")[0] ?? ""}`);
    });
  };
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  // `on`, not `once`: execa's signal-exit re-sends the signal (killing us) when it finds itself the only listener
  // left, which a spent `once` listener would leave it whenever a program (nginx -T, --on-event) is running.
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  return {
    emit,
    signal: controller.signal,
    close: async () => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      await notifications;
    },
  };
}
