import { createBatcher } from '../../src/services/batcher';

const tick = () => new Promise((r) => setImmediate(r));

describe('createBatcher', () => {
  it('runs a lone call at once, and coalesces calls that arrive while a batch runs', async () => {
    const batches: number[][] = [];
    const release: (() => void)[] = [];
    const double = createBatcher<number, number>(
      async (items) => {
        batches.push(items);
        await new Promise<void>((r) => release.push(r));
        return items.map((i) => i * 2);
      },
      { concurrency: 1 },
    );
    const first = double(1);
    await tick();
    expect(batches).toEqual([[1]]);
    const rest = [2, 3, 4].map(double);
    await tick();
    expect(batches).toEqual([[1]]); // waiting for the running batch
    release.shift()!();
    expect(await first).toBe(2);
    await tick();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    release.shift()!();
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
  });

  it('answers each item with its own error, and fails the whole batch when the run throws', async () => {
    const run = createBatcher<number, number>(async (items) => items.map((i) => (i < 0 ? new Error(`bad ${i}`) : i)));
    await expect(run(-1)).rejects.toThrow('bad -1');
    await expect(run(5)).resolves.toBe(5);
    const failing = createBatcher<number, number>(async () => {
      throw new Error('database down');
    });
    await expect(Promise.all([failing(1), failing(2)])).rejects.toThrow('database down');
  });

  it('never puts more than maxBatch items in one run', async () => {
    const sizes: number[] = [];
    const run = createBatcher<number, number>(
      async (items) => {
        sizes.push(items.length);
        await tick();
        return items;
      },
      { maxBatch: 3, concurrency: 1 },
    );
    await Promise.all(Array.from({ length: 10 }, (_, i) => run(i)));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
    expect(sizes.reduce((a, b) => a + b)).toBe(10);
  });
});
