/** Runs functions one at a time, each after the previous one has settled, in the order given. */
export class SerialQueue {
  private last: Promise<unknown> = Promise.resolve();

  /** Runs `fn` after everything queued before it; its failure rejects this call only, never the chain. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.last.then(fn);
    this.last = run.catch(() => undefined);
    return run;
  }

  /** Settles once everything queued so far has run. */
  idle(): Promise<unknown> {
    return this.last;
  }
}
