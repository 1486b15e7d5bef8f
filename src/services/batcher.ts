/**
 * Coalesces concurrent calls into batches, like a database's group commit: at most
 * `concurrency` batches run at a time, and calls that arrive meanwhile go together in the
 * next one. Under light load every call runs alone at once; under heavy load one
 * statement, one commit and one NOTIFY serve many callers. `run` answers each item with
 * its result or its own Error, in order.
 */
export function createBatcher<I, O>(
  run: (items: I[]) => Promise<(O | Error)[]>,
  opts: {
    maxBatch?: number;
    concurrency?: number;
    /** At most one batch starts per this long: calls within it wait and go together (a commit window). */
    intervalMs?: number;
  } = {},
): (item: I) => Promise<O> {
  const maxBatch = opts.maxBatch ?? 256;
  const concurrency = opts.concurrency ?? 2;
  let queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  let running = 0;
  let lastStart = -Infinity;

  async function drain(): Promise<void> {
    running++;
    while (queue.length) {
      const wait = lastStart + (opts.intervalMs ?? 0) - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      lastStart = performance.now();
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const results = await run(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const r = results[i];
          if (r instanceof Error) b.reject(r);
          else b.resolve(r);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    running--;
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (running < concurrency) void drain();
    });
}
