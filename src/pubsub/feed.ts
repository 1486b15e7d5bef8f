import { AppError } from '../errors';
import type { ChangeEvent, EventStore } from './event.store';

export interface FeedOptions {
  store: EventStore;
  /** Hands a batch, in commit order, to the local rooms. Synchronous on purpose. */
  deliver: (events: ChangeEvent[]) => void;
  onError: (err: unknown, context: string) => void;
  batchSize?: number;
  /** A resume that would replay more than this is told to reload through REST. */
  replayLimit?: number;
  retentionHours: number;
  pruneIntervalMs?: number;
  /** How long a resume waits for this instance to reach a cursor another instance gave out. */
  reachTimeoutMs?: number;
}

const invalidCursor = () => new AppError(400, 'invalid_cursor', 'since is not a cursor of this server.');

export const cursorExpired = () =>
  new AppError(410, 'cursor_expired', 'The cursor is too old to replay from; reload the history through REST.');

/**
 * This instance's reader of the events log. Everything that touches the delivery
 * position runs one at a time on a queue: fetching new events, and joining a socket to
 * a room after replaying what it missed. So a joining socket sees every event exactly
 * once: replayed up to the position, live after it.
 */
export class Feed {
  private position = 0n;
  private queue: Promise<unknown> = Promise.resolve();
  private fetchQueued = false;
  private started = false;
  private stopped = false;
  private pruneTimer?: NodeJS.Timeout;
  private waiters: { target: bigint; resolve: () => void }[] = [];

  constructor(private readonly opts: FeedOptions) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.position = await this.opts.store.head();
    this.started = true;
    this.pruneTimer = setInterval(
      () =>
        this.opts.store.prune(this.opts.retentionHours).catch((err) => this.opts.onError(err, 'event pruning failed')),
      this.opts.pruneIntervalMs ?? 60_000,
    );
    this.pruneTimer.unref();
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pruneTimer);
    for (const w of this.waiters.splice(0)) w.resolve();
    await this.queue;
  }

  /** Last event id delivered to this instance's rooms. */
  get cursor(): string {
    return this.position.toString();
  }

  /** New events may be committed: fetch them (folded into at most one queued fetch). */
  poke(): void {
    if (!this.started || this.stopped || this.fetchQueued) return;
    this.fetchQueued = true;
    this.exclusive(async () => {
      this.fetchQueued = false;
      await this.drain();
    }).catch((err) => this.opts.onError(err, 'fetching events failed'));
  }

  /**
   * Replays the room's events after `since` (if given) and calls `join` with them while
   * no delivery runs; returns the cursor the socket is now at.
   */
  async subscribe(
    campaignId: string,
    since: string | undefined,
    join: (missed: ChangeEvent[]) => void,
  ): Promise<string> {
    const from = since === undefined ? undefined : await this.checkCursor(since);
    if (from !== undefined && from > this.position) await this.reach(from);
    return this.exclusive(async () => {
      let missed: ChangeEvent[] = [];
      if (from !== undefined && from < this.position) {
        const limit = this.opts.replayLimit ?? 10_000;
        const rows = await this.opts.store.roomBetween(campaignId, from, this.position, limit + 1);
        if (rows.length > limit) throw cursorExpired();
        missed = await this.opts.store.render(rows);
      }
      join(missed);
      return this.position.toString();
    });
  }

  private async checkCursor(since: string): Promise<bigint> {
    if (!/^\d{1,19}$/.test(since)) throw invalidCursor();
    const from = BigInt(since);
    if (from > (await this.opts.store.allocatedUpto())) throw invalidCursor();
    if (from < (await this.opts.store.prunedUpto())) throw cursorExpired();
    return from;
  }

  /**
   * Waits until this instance has delivered up to `target` (another instance was ahead).
   * A cursor that never arrives (an id of a rolled-back transaction) gives up after a while.
   */
  private reach(target: bigint): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter = { target, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(invalidCursor());
      }, this.opts.reachTimeoutMs ?? 10_000);
      this.waiters.push(waiter);
      this.poke();
    });
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async drain(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 500;
    for (;;) {
      const rows = await this.opts.store.after(this.position, batchSize);
      if (!rows.length) return;
      const events = await this.opts.store.render(rows);
      this.opts.deliver(events);
      this.position = BigInt(rows[rows.length - 1].id);
      this.waiters = this.waiters.filter((w) => (w.target <= this.position ? (w.resolve(), false) : true));
      if (rows.length < batchSize) return;
    }
  }
}
