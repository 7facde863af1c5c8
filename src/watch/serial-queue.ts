// The watcher's work runs one task at a time, in the order it arrived: a reload is never raced by another.

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (error: unknown) => void) {}

  push(task: () => Promise<void>): void {
    this.tail = this.tail.then(task).catch(this.onError);
  }

  /** Resolves when everything queued so far has run. */
  drain(): Promise<void> {
    return this.tail;
  }
}
