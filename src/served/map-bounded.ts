// Runs an async function over many items with a bounded number in flight, results in the items' order: the shape of
// every question ngcert asks thousands of times (DNS lookups, challenge fetches). An optional deadline stops starting
// new items; those not started get `late(item)`.

export async function mapBounded<T, R>(
  items: readonly T[],
  concurrency: number,
  run: (item: T, index: number) => Promise<R>,
  options: { deadline?: number; late?: (item: T) => R } = {},
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      const item = items[index]!;
      if (options.deadline !== undefined && options.late && Date.now() >= options.deadline) results[index] = options.late(item);
      else results[index] = await run(item, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, worker));
  return results;
}
