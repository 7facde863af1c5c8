// What to undo, in reverse order of doing it: every process and file a world started is ended even when one of the
// steps fails, and every failure is reported, not only the first.

export type Cleanup = () => Promise<void>;

export class CleanupStack {
  private readonly cleanups: Cleanup[] = [];

  constructor(private readonly what: string) {}

  push(cleanup: Cleanup): void {
    this.cleanups.push(cleanup);
  }

  /** Runs every cleanup, last pushed first, once; throws an AggregateError naming `what` when any failed. */
  async run(): Promise<void> {
    const errors: unknown[] = [];
    for (const cleanup of this.cleanups.splice(0).reverse()) await cleanup().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw new AggregateError(errors, `${this.what} did not stop cleanly`);
  }
}
