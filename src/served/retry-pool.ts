// Asks many questions a bounded number at a time and asks a failed one again after a short backoff before its answer
// counts. A question waiting for its retry holds no slot, so when everything fails at once (nginx down) the whole
// run takes about the sum of the backoffs, not that sum times the number of questions over the slots.

export interface RetryPoolOptions<T, R> {
  concurrency: number;
  /** Waits before each retry; its length is the number of retries. */
  retryDelaysMs: readonly number[];
  /** `attempt` is 0 for the first ask. */
  ask: (item: T, attempt: number) => Promise<R>;
  /** Whether an answer is a failure worth asking again. */
  retry: (answer: R) => boolean;
}

/** Every item's last answer, in the items' order, with how many times it was asked. */
export function runRetryPool<T, R>(items: readonly T[], options: RetryPoolOptions<T, R>): Promise<{ answer: R; attempts: number }[]> {
  const results = new Array<{ answer: R; attempts: number }>(items.length);
  if (items.length === 0) return Promise.resolve(results);
  const concurrency = Math.max(1, options.concurrency);
  interface Job {
    index: number;
    attempts: number;
    readyAt: number;
  }
  const ready: Job[] = items.map((_, index) => ({ index, attempts: 0, readyAt: 0 }));
  let nextReady = 0;
  let waiting: Job[] = [];
  let running = 0;
  let timer: NodeJS.Timeout | undefined;
  return new Promise((resolve, reject) => {
    const pump = (): void => {
      const now = Date.now();
      if (waiting.some((job) => job.readyAt <= now)) {
        ready.push(...waiting.filter((job) => job.readyAt <= now));
        waiting = waiting.filter((job) => job.readyAt > now);
      }
      while (running < concurrency && nextReady < ready.length) {
        const job = ready[nextReady++]!;
        running++;
        options.ask(items[job.index]!, job.attempts).then((answer) => {
          running--;
          job.attempts++;
          if (job.attempts <= options.retryDelaysMs.length && options.retry(answer)) {
            job.readyAt = Date.now() + options.retryDelaysMs[job.attempts - 1]!;
            waiting.push(job);
          } else {
            results[job.index] = { answer, attempts: job.attempts };
          }
          pump();
        }, reject);
      }
      if (running === 0 && nextReady >= ready.length && waiting.length === 0) {
        clearTimeout(timer);
        resolve(results);
        return;
      }
      if (waiting.length > 0 && timer === undefined) {
        const soonest = Math.min(...waiting.map((job) => job.readyAt));
        timer = setTimeout(
          () => {
            timer = undefined;
            pump();
          },
          Math.max(0, soonest - now),
        );
      }
    };
    pump();
  });
}
