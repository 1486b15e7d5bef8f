import { randomUUID } from 'node:crypto';
import { AppError } from '../errors';
import { SerialQueue } from '../lib/serial';
import { cursorExpired, invalidCursor } from './cursors';
import type { ReaderStore } from './event.readers';
import type { ChangeEvent, EventStore } from './event.store';
import { LogUpkeep } from './log.upkeep';
import { OpenStreams } from './open.streams';
import { Replayer, type ChunkSink, type Replayed } from './replay';
import { RoomFollowers, type RoomFollower } from './room.followers';
import { RoomMarks } from './room.marks';

export interface FeedOptions {
  /** On the feed's own connections: live reads, and the short tail of a replay. */
  store: EventStore;
  /** On the replay connections: the bulk of replays, which may wait. */
  replayStore: EventStore;
  /** The readers table: this feed's heartbeat, and pruning by every reader's position. */
  readers: ReaderStore;
  onError: (err: unknown, context: string) => void;
  batchSize?: number;
  /** A resume that would replay more than this is told to reload through REST. */
  replayLimit?: number;
  /** Events per replay read. */
  replayChunk?: number;
  /** Replay reads running at once on this instance. */
  replayConcurrency?: number;
  retentionHours: number;
  /** Heartbeat and pruning period. */
  pruneIntervalMs?: number;
  /** False when a scheduled job prunes for the whole cluster (calling prune()); heartbeats go on. */
  pruneOnTimer?: boolean;
  /** How long a resume waits for this instance to reach a cursor another instance gave out. */
  reachTimeoutMs?: number;
  /** Told of replays and of subscribers sent to reload (metrics). */
  observer?: FeedObserver;
}

/** This instance's rooms, which the feed hands what it reads (attached by the realtime edge). */
export interface FeedRooms {
  /** Hands a batch, in commit order, to the local rooms. Synchronous on purpose. */
  deliver(events: ChangeEvent[]): void;
  /** Tells every socket in a local room that it missed events for good, and takes it out. */
  expire(): void;
}

export interface FeedObserver {
  /** A batch reached this instance's rooms. */
  delivered(events: ChangeEvent[]): void;
  /** A resuming socket was sent `events` events it had missed. */
  replayed(events: number): void;
  /** Subscribers were told to reload: an expired cursor, or rooms expired after a gap. */
  expired(reason: 'cursor' | 'gap'): void;
}

/** Where a subscribing socket's events go: replayed chunks, then the room. */
export interface RoomSink {
  send: ChunkSink;
  /** Runs inside the queue: emits the last missed events and joins the room. */
  join: (tail: ChangeEvent[]) => void;
}

/**
 * This instance's reader of the events log. Everything that touches the delivery
 * position runs one at a time on a queue: fetching new events, and joining a socket to
 * a room. A resuming socket gets the bulk of what it missed outside the queue, up to a
 * position already delivered, then inside it only the tail up to the current position,
 * then joins: every event exactly once, replayed up to the position, live after it.
 */
export class Feed {
  private position = 0n;
  private readonly queue = new SerialQueue();
  private fetchQueued = false;
  private started = false;
  private stopped = false;
  private waiters: { target: bigint; resolve: () => void }[] = [];
  private readonly marks = new RoomMarks();
  private readonly streams = new OpenStreams();
  private rooms?: FeedRooms;
  private readonly followers: RoomFollowers;
  /** Set once followers are ended for good (the server is closing): new ones are refused. */
  private followersClosed = false;
  private readonly replayer: Replayer;
  private readonly upkeep: LogUpkeep;
  /** For metrics: `gaps` counts the times pruning overtook this feed (its rooms were expired). */
  readonly stats = { gaps: 0 };

  constructor(private readonly opts: FeedOptions) {
    this.followers = new RoomFollowers(opts.onError);
    this.upkeep = new LogUpkeep({
      readers: opts.readers,
      instance: randomUUID(),
      position: () => this.position,
      retentionHours: opts.retentionHours,
      intervalMs: opts.pruneIntervalMs ?? 60_000,
      pruneOnTimer: opts.pruneOnTimer ?? true,
      onError: opts.onError,
    });
    this.replayer = new Replayer({
      store: opts.replayStore,
      limit: this.replayLimit,
      chunk: opts.replayChunk ?? 500,
      concurrency: opts.replayConcurrency ?? 2,
    });
  }

  private get replayLimit(): number {
    return this.opts.replayLimit ?? 10_000;
  }

  /** Where delivered events go: the rooms of this instance's Socket.IO server, built after the feed. */
  attach(rooms: FeedRooms): void {
    this.rooms = rooms;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.position = await this.opts.store.head();
    this.marks.reset(this.position);
    this.streams.reset(await this.opts.store.openStreams());
    this.started = true;
    await this.upkeep.start();
    this.poke();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.resolve();
    this.closeFollowers();
    await this.queue.idle();
    await this.upkeep.stop();
  }

  /** Prunes the log now (it also does on a timer); returns what it deleted, in how many statements. */
  prune(): Promise<{ deleted: number; batches: number }> {
    return this.upkeep.prune();
  }

  /** Last event id delivered to this instance's rooms. */
  get cursor(): string {
    return this.position.toString();
  }

  /** New events may be committed: fetch them (folded into at most one queued fetch). */
  poke(): void {
    if (!this.started || this.stopped || this.fetchQueued) return;
    this.fetchQueued = true;
    this.queue
      .run(async () => {
        this.fetchQueued = false;
        await this.drain();
      })
      .catch((err) => this.opts.onError(err, 'fetching events failed'));
  }

  /**
   * Sends the room's events after `since` (if given) to the sink, then joins it to the
   * room while no delivery runs; returns the cursor the socket is now at.
   */
  async subscribe(campaignId: string, since: string | undefined, sink: RoomSink): Promise<string> {
    if (since === undefined)
      return this.queue.run(async () => (sink.join(await this.snapshots(campaignId)), this.cursor));
    try {
      const from = await this.checkCursor(since);
      if (from > this.position) await this.reach(from);
      const replayed = await this.replayer.run(campaignId, from, this.position, sink.send);
      return await this.queue.run(async () => {
        const tail = await this.tail(campaignId, from, replayed);
        sink.join([...tail, ...(await this.snapshots(campaignId))]);
        this.opts.observer?.replayed(replayed.rows + tail.length);
        return this.cursor;
      });
    } catch (err) {
      if (err instanceof AppError && err.code === 'cursor_expired') this.opts.observer?.expired('cursor');
      throw err;
    }
  }

  /**
   * Joins an in-process follower (not a socket) to a room as a fresh subscribe joins a socket:
   * `events` are the room's open streams as snapshots at the position, and the follower gets
   * every batch delivered after it, until `stop()` or its `end`.
   */
  async follow(campaignId: string, follower: RoomFollower): Promise<{ events: ChangeEvent[]; stop(): void }> {
    if (this.followersClosed) throw new AppError('unavailable', 'This server is shutting down; try again.');
    let events: ChangeEvent[] = [];
    await this.subscribe(campaignId, undefined, {
      send: async () => undefined, // a fresh subscribe replays nothing
      join: (snapshots) => {
        events = snapshots;
        this.followers.add(campaignId, follower);
      },
    });
    return { events, stop: () => this.followers.remove(campaignId, follower) };
  }

  /** Followers attached now (for tests and metrics). */
  get following(): number {
    return this.followers.size;
  }

  /**
   * Ends every follower and refuses new ones, as the feed's stop does: the app calls it before
   * it closes the HTTP server, whose close() would otherwise wait for the followers' responses.
   */
  closeFollowers(): void {
    this.followersClosed = true;
    this.followers.endAll('stopped');
  }

  /**
   * The room's open streams as of the position (inside the queue), each a `chat:updated` with
   * its text so far: the deltas delivered after the position continue it. A resume costs
   * O(message) this way, whatever number of deltas it missed.
   */
  private async snapshots(campaignId: string): Promise<ChangeEvent[]> {
    return this.streams.has(campaignId) ? this.opts.store.snapshots(campaignId, this.position) : [];
  }

  /** What the room got between the replay's end and the position (inside the queue). */
  private async tail(campaignId: string, from: bigint, replayed: Replayed): Promise<ChangeEvent[]> {
    if (this.marks.quietAfter(campaignId, replayed.last)) return [];
    const room = await this.opts.store.roomBetween(
      campaignId,
      replayed.last,
      this.position,
      this.replayLimit - replayed.rows + 1,
    );
    if (room.prunedUpto > from || replayed.rows + room.rows.length > this.replayLimit) throw cursorExpired();
    return this.opts.store.render(room.rows);
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

  private async drain(): Promise<void> {
    const batchSize = this.opts.batchSize ?? 500;
    for (;;) {
      const { prunedUpto, rows } = await this.opts.store.after(this.position, batchSize);
      if (prunedUpto > this.position) {
        this.skipTo(prunedUpto);
        this.streams.reset(await this.opts.store.openStreams());
        continue;
      }
      if (!rows.length) return;
      const events = await this.opts.store.render(rows);
      this.rooms?.deliver(events);
      this.followers.deliver(events);
      this.opts.observer?.delivered(events);
      this.marks.record(rows, this.position);
      this.streams.record(rows);
      this.advance(BigInt(rows[rows.length - 1].id));
      if (rows.length < batchSize) return;
    }
  }

  /**
   * Pruning deleted events this instance never delivered (it was frozen or cut off for
   * longer than readers are waited for). Its rooms cannot be patched up: each socket is
   * told and taken out, to resubscribe and reload the history through REST.
   */
  private skipTo(prunedUpto: bigint): void {
    this.stats.gaps++;
    this.opts.observer?.expired('gap');
    const lost = `events ${this.position + 1n}..${prunedUpto}`;
    this.opts.onError(new Error(`${lost} were pruned before this instance read them`), 'feed fell behind pruning');
    this.rooms?.expire();
    this.followers.endAll('gap');
    this.marks.reset(prunedUpto);
    this.advance(prunedUpto);
  }

  private advance(position: bigint): void {
    this.position = position;
    this.waiters = this.waiters.filter((w) => (w.target <= position ? (w.resolve(), false) : true));
  }
}
