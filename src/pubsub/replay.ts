import pLimit from 'p-limit';
import { cursorExpired } from './cursors';
import type { ChangeEvent, EventStore } from './event.store';

export interface ReplayOptions {
  /** The store on the replay pool, apart from the connections live delivery reads on. */
  store: EventStore;
  /** A resume that would replay more than this is told to reload through REST. */
  limit: number;
  chunk: number;
  /** Chunk reads running at once on this instance. */
  concurrency: number;
}

/** Takes a replayed chunk; resolves when the client can take the next one. */
export type ChunkSink = (events: ChangeEvent[]) => Promise<void> | void;

/** How far a replay got: the tail after `last` is read inside the feed's queue. */
export interface Replayed {
  last: bigint;
  rows: number;
}

/**
 * Replays a room's events up to a position the feed has already delivered, outside the
 * feed's queue: ids are assigned in commit order, so nothing can still appear at or below
 * that position and the range is stable while live delivery moves on. Reads are chunked
 * and take a slot each, so any number of resuming clients costs at most `concurrency`
 * queries at once, and a client slow to read its socket holds no slot while it drains.
 */
export class Replayer {
  /** At most `concurrency` reads at once, the others wait in arrival order: a newcomer cannot overtake a waiter. */
  private readonly slots: pLimit.Limit;

  constructor(private readonly opts: ReplayOptions) {
    this.slots = pLimit(opts.concurrency);
  }

  async run(campaignId: string, from: bigint, upto: bigint, send: ChunkSink): Promise<Replayed> {
    if (from >= upto) return { last: from, rows: 0 };
    const { store, limit, chunk } = this.opts;
    const counted = await this.slots(() => store.countRoomBetween(campaignId, from, upto, limit + 1));
    if (counted.prunedUpto > from || counted.count > limit) throw cursorExpired();
    const total = counted.count;
    let last = from;
    let rows = 0;
    while (rows < total) {
      const read = await this.slots(() => this.read(campaignId, from, last, upto));
      if (!read.last) break;
      await send(read.events);
      last = read.last;
      rows += read.rows;
      if (read.rows < chunk) break;
    }
    // the room has nothing more up to `upto`: the tail starts there
    return { last: upto, rows };
  }

  private async read(campaignId: string, from: bigint, after: bigint, upto: bigint) {
    const { prunedUpto, rows } = await this.opts.store.roomBetween(campaignId, after, upto, this.opts.chunk);
    if (prunedUpto > from) throw cursorExpired();
    const events = await this.opts.store.render(rows);
    return { events, rows: rows.length, last: rows.length ? BigInt(rows[rows.length - 1].id) : undefined };
  }
}
