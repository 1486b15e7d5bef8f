import { SerialQueue } from '../../src/lib/serial';

const tick = () => new Promise((r) => setImmediate(r));

describe('SerialQueue', () => {
  it('runs each function after the previous one has finished, in the order given', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let release!: () => void;
    const first = queue.run(async () => {
      log.push('first started');
      await new Promise<void>((r) => (release = r));
      log.push('first done');
      return 1;
    });
    const second = queue.run(async () => (log.push('second started'), 2));
    await tick();
    expect(log).toEqual(['first started']);
    release();
    expect(await Promise.all([first, second])).toEqual([1, 2]);
    expect(log).toEqual(['first started', 'first done', 'second started']);
  });

  it('rejects only the failing call: the next one still runs', async () => {
    const queue = new SerialQueue();
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('is idle once everything queued so far has settled, failures included', async () => {
    const queue = new SerialQueue();
    let done = false;
    void queue.run(async () => {
      await tick();
      done = true;
    });
    queue.run(async () => Promise.reject(new Error('ignored'))).catch(() => undefined);
    await queue.idle();
    expect(done).toBe(true);
  });
});
