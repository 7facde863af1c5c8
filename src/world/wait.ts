// Bounded polling: every wait for a local service gives up after a deadline instead of hanging, and says what it
// waited for.

export interface WaitOptions {
  /** What is awaited, for the timeout message ("Pebble's directory to answer"). */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Fails the wait at once (e.g. the process exited, or the user pressed Ctrl-C), instead of waiting out the timeout. */
  abort?: () => string | undefined;
}

/** Calls `check` until it returns a value other than undefined; a thrown error counts as "not yet". */
export async function waitFor<T>(check: () => Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError = "";
  for (;;) {
    const aborted = options.abort?.();
    if (aborted !== undefined) throw new Error(`gave up waiting for ${options.what}: ${aborted}`);
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${lastError ? ` (last error: ${lastError})` : ""}`);
    }
    await sleep(options.intervalMs ?? 50);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
