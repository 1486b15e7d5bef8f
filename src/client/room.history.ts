import type { EventEmitter } from 'eventemitter3';
import type { ChatDelta, ChatRep } from '../protocol';
import { backoff, sleep } from './backoff';
import { ChatError, chatError } from './errors';
import { cursorOf, type HistoryParams } from './rest';
import type { RoomLink } from './room.link';
import type { RoomSubscription } from './room.subscription';
import { Timeline } from './timeline';
import type { RoomEvent, RoomEvents } from './types';

const HISTORY_PAGE_MAX = 100;

/** A timeline reloaded after the cursor expired, ready to be shown, with the `before` cursor of its oldest page. */
export interface Reloaded {
  into: Timeline;
  older: string | null;
}

/**
 * A room's timelines and the history loaded into them: the shown one, and while the cursor
 * expired, the one being rebuilt (live events go there meanwhile). Pages go back from the
 * newest; every one comes through `load`, the seam. Says 'change' when the shown chats change.
 */
export class RoomHistory {
  /** The timeline the room shows. */
  shown: Timeline;
  /** The timeline being rebuilt after the cursor expired; undefined when none is wanted. */
  #pending?: Timeline;
  #latestLimit?: number;
  /** `before` cursor of the next older page; null at the start; undefined before any history. */
  #older?: string | null;
  #loadingOlder?: Promise<boolean>;
  #changeTimer?: ReturnType<typeof setTimeout>;
  #closed = false;

  constructor(
    private readonly campaign: string,
    private readonly link: RoomLink,
    private readonly subscription: RoomSubscription,
    private readonly events: EventEmitter<RoomEvents>,
  ) {
    this.shown = new Timeline(campaign);
  }

  /** Where live events go: the timeline being rebuilt, else the shown one. */
  get #live(): Timeline {
    return this.#pending ?? this.shown;
  }

  /** Applies a live event to the live timeline; returns whether the shown chats changed. */
  apply(event: RoomEvent): boolean {
    const into = this.#live;
    return into.apply(event) && into === this.shown;
  }

  /** Applies a delta to the live timeline; returns the chat when the shown chats changed. */
  applyDelta(delta: ChatDelta): ChatRep | undefined {
    const into = this.#live;
    const chat = into.applyDelta(delta);
    return into === this.shown ? chat : undefined;
  }

  /** Newest `limit` chats, merged with the live ones. */
  async loadLatest(limit = this.link.pageSize): Promise<readonly ChatRep[]> {
    this.#latestLimit = limit;
    const into = this.#live;
    const before = await this.#loadNewest(into, limit);
    if (into === this.#live) this.#older = before;
    return this.shown.list;
  }

  /** The page before the oldest loaded chat. Resolves false once the start is reached. */
  loadOlder(limit = this.#latestLimit ?? this.link.pageSize): Promise<boolean> {
    return (this.#loadingOlder ??=
      this.#older === undefined
        ? this.loadLatest(limit).then(() => this.#older !== null)
        : this.#loadPageBefore(limit)).finally(() => (this.#loadingOlder = undefined));
  }

  /** A new timeline to rebuild after the cursor expired; live events go there until it is shown. */
  rebuild(): Timeline {
    return (this.#pending = new Timeline(this.campaign));
  }

  /** Loads the newest history into `into`, retrying; undefined once it is no longer wanted. */
  async reload(into: Timeline): Promise<Reloaded | undefined> {
    for (let failures = 0; ; failures++) {
      try {
        return { into, older: await this.#loadNewest(into, this.#latestLimit ?? this.link.pageSize) };
      } catch (err) {
        if (this.#pending !== into) return undefined; // closed, or expired again meanwhile
        this.events.emit('error', err instanceof ChatError ? err : chatError('internal', String(err)));
        await sleep(backoff(failures));
      }
    }
  }

  /** Shows a reloaded timeline; false when it is no longer wanted (closed, or expired again meanwhile). */
  show({ into, older }: Reloaded): boolean {
    if (this.#pending !== into) return false;
    [this.shown, this.#pending, this.#older] = [into, undefined, older];
    return true;
  }

  /** The shown chats changed: 'change' once per tick, however many changes the tick made. */
  changed(): void {
    // no listener, no timer: a room read only through its events costs no timer per event
    if (this.#changeTimer !== undefined || this.#closed || !this.events.listenerCount('change')) return;
    this.#changeTimer = setTimeout(() => {
      this.#changeTimer = undefined;
      this.events.emit('change', this.shown.list);
    }, 0);
  }

  /** No reload is wanted any more, and no 'change' is said. */
  close(): void {
    this.#closed = true;
    this.#pending = undefined;
    clearTimeout(this.#changeTimer);
  }

  /**
   * The seam between live events and history is decided here, in this order:
   * 1. subscribe first and keep its cursor (the room subscribes when it opens, on every
   *    connect and when the cursor expires; `cursorHeld` waits for the answer): every change
   *    after that cursor arrives live, once;
   * 2. then load the history: its snapshot is taken after that cursor, so it holds every
   *    chat committed up to it, which the live stream will not bring;
   * 3. then merge by id, live versions winning: the snapshot may be older than live events
   *    already applied (or newer, and then their events are still on the way).
   * History first and subscribe second would lose the chats committed in between.
   * Returns how many chats the page held, and its `before` cursor.
   */
  async #load(into: Timeline, params: HistoryParams): Promise<[loaded: number, before: string | null]> {
    await this.subscription.cursorHeld();
    const page = await this.link.history(this.campaign, params);
    if (into.mergeHistory(page.results) && into === this.shown) this.changed();
    return [page.results.length, cursorOf(page.previous, 'before')];
  }

  /** Newest `limit` chats, over several pages beyond the server's page limit; returns the `before` cursor. */
  async #loadNewest(into: Timeline, limit: number): Promise<string | null> {
    // live: the newest page must hold everything committed up to the cursor, which the
    // subscription will not bring; chats committing later come live
    let [loaded, before] = await this.#load(into, { limit: Math.min(limit, HISTORY_PAGE_MAX), live: true });
    while (loaded < limit && before !== null) {
      const [more, next] = await this.#load(into, { limit: Math.min(limit - loaded, HISTORY_PAGE_MAX), before });
      loaded += more;
      before = next;
    }
    return before;
  }

  async #loadPageBefore(limit: number): Promise<boolean> {
    if (this.#older === null || this.#older === undefined) return false;
    const into = this.shown;
    const [, before] = await this.#load(into, { limit: Math.min(limit, HISTORY_PAGE_MAX), before: this.#older });
    if (into === this.shown) this.#older = before;
    return this.#older !== null;
  }
}
