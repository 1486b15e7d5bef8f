import { EventEmitter } from 'eventemitter3';
import {
  TYPING_INTERVAL_MS,
  type Ack,
  type ChatRep,
  type PresenceEntry,
  type SubscribeAck,
  type TypingEvent,
} from '../protocol';
import { ChatError } from './errors';
import { Members, Typers } from './members';
import { cursorOf, type HistoryPage, type HistoryParams } from './rest';
import { backoff, roomState, type RoomFacts } from './state';
import { isAfter, laterCursor, Timeline } from './timeline';
import type { RoomEvent, RoomEvents, RoomState } from './types';

/** What a room needs from its client. */
export interface RoomLink {
  readonly connected: boolean;
  readonly pageSize: number;
  request<T extends object>(
    event: 'subscribe' | 'unsubscribe' | 'chat:create' | 'typing',
    payload: object,
  ): Promise<Ack<T>>;
  history(campaignId: string, params: HistoryParams): Promise<HistoryPage>;
  forget(room: Room): void;
}

/** Subscribe answers after which retrying cannot help. */
const PERMANENT = new Set(['not_found', 'forbidden', 'unauthorized', 'invalid']);
/** An instance that cannot reach our cursor in time is retried this often before the history is reloaded. */
const INVALID_CURSOR_RETRIES = 3;
const HISTORY_PAGE_MAX = 100;

const closedError = () => new ChatError(499, 'closed', 'The room was closed.');

/** One campaign room: live events, merged with history into `chats`, kept across reconnects. */
export class Room extends EventEmitter<RoomEvents> {
  state: RoomState = 'connecting';
  private readonly facts: RoomFacts = { closed: false, subscribed: false, resetting: false, wasLive: false };
  private lastCursor?: string;
  /** The next subscribe goes without `since` (first one, or after the cursor expired). */
  private fresh = true;
  private timeline: Timeline;
  /** The timeline being rebuilt after the cursor expired; live events go here meanwhile. */
  private pending?: Timeline;
  /** Bumped on every subscribe and disconnect: an answer to an older attempt is ignored. */
  private attempt = 0;
  private failures = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private changeTimer?: ReturnType<typeof setTimeout>;
  private latestLimit?: number;
  /** `before` cursor of the next older page; null at the start; undefined before any history. */
  private older?: string | null;
  private loadingOlder?: Promise<boolean>;
  private cursorWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  private readonly members = new Members();
  private readonly typers = new Typers((user) => this.emit('typing', { campaign: this.id, user, typing: false }));
  /** When this subscription last told the server `typing: true` (a repeat within the interval is folded there anyway). */
  private typingSentAt = -Infinity;

  constructor(
    readonly id: string,
    private readonly link: RoomLink,
  ) {
    super();
    this.timeline = new Timeline(id);
  }

  /** The synced timeline: history and live chats, one per id, by created_at then id. */
  get chats(): readonly ChatRep[] {
    return this.timeline.list;
  }

  /** Who is in the room now, on every instance, this client included (see 'presence'). */
  get presence(): readonly PresenceEntry[] {
    return this.members.list;
  }

  /** The other members typing now (see 'typing'). */
  get typing(): readonly string[] {
    return this.typers.list;
  }

  /** The last event applied; resuming sends it as `since`. */
  get cursor(): string | undefined {
    return this.lastCursor;
  }

  /** Newest `limit` chats, merged with the live ones. */
  async loadLatest(limit = this.link.pageSize): Promise<readonly ChatRep[]> {
    this.latestLimit = limit;
    const into = this.pending ?? this.timeline;
    const older = await this.loadNewest(into, limit);
    if (into === (this.pending ?? this.timeline)) this.older = older;
    return this.chats;
  }

  /** The page before the oldest loaded chat. Resolves false once the start is reached. */
  loadOlder(limit = this.latestLimit ?? this.link.pageSize): Promise<boolean> {
    return (this.loadingOlder ??=
      this.older === undefined
        ? this.loadLatest(limit).then(() => this.older !== null)
        : this.loadPageBefore(limit)).finally(() => (this.loadingOlder = undefined));
  }

  /** Writes a chat through the socket; resolves with it once stored (it also arrives live). */
  async send(input: { author: ChatRep['author']; message: string }): Promise<ChatRep> {
    const ack = await this.link.request<{ data: ChatRep }>('chat:create', { ...input, campaign: this.id });
    if (!ack.ok) throw ChatError.fromAck(ack.error);
    this.typingSentAt = -Infinity; // a chat ends typing on the server: the next `true` must go
    return ack.data;
  }

  /**
   * Tells the others in the room that this member is (not) typing; call it as often as the
   * UI likes. A repeated `true` within TYPING_INTERVAL_MS is not sent (the server would fold
   * it), and the server ends a `true` not refreshed within TYPING_EXPIRY_MS. Rejects with a
   * ChatError when the room is closed (`closed`) or not subscribed now (`not_subscribed`).
   */
  async setTyping(typing: boolean): Promise<void> {
    if (this.facts.closed) throw closedError();
    if (!this.facts.subscribed) throw new ChatError(409, 'not_subscribed', 'The room is not subscribed right now.');
    const now = Date.now();
    if (typing && now - this.typingSentAt < TYPING_INTERVAL_MS) return;
    this.typingSentAt = typing ? now : -Infinity;
    const ack = await this.link.request('typing', { campaignId: this.id, typing });
    if (!ack.ok) {
      this.typingSentAt = -Infinity;
      throw ChatError.fromAck(ack.error);
    }
  }

  close(): void {
    if (this.facts.closed) return;
    this.attempt++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.changeTimer);
    if (this.link.connected && this.facts.subscribed) {
      this.link.request('unsubscribe', { campaignId: this.id }).catch(() => undefined);
    }
    this.set({ closed: true, subscribed: false });
    this.typers.clear();
    for (const w of this.cursorWaiters.splice(0)) w.reject(closedError());
    this.link.forget(this);
  }

  // ---- driven by the client --------------------------------------------------------

  /** (Re)subscribes on the current connection: resuming from the cursor, or fresh. */
  subscribe(): void {
    if (this.facts.closed || !this.link.connected) return;
    clearTimeout(this.retryTimer);
    const attempt = ++this.attempt;
    const since = this.fresh ? undefined : this.lastCursor;
    const request = { campaignId: this.id, ...(since !== undefined && { since }) };
    this.link.request<SubscribeAck>('subscribe', request).then(
      (ack) => attempt === this.attempt && this.answered(ack),
      (err: ChatError) => attempt === this.attempt && this.retry(err),
    );
  }

  disconnected(): void {
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.set({ subscribed: false });
  }

  /** A live event; replayed ones come before the subscribe answer, live ones may too. */
  receive(event: RoomEvent): void {
    if (this.facts.closed || !isAfter(event.cursor, this.lastCursor)) return; // applied already
    this.lastCursor = event.cursor;
    const into = this.pending ?? this.timeline;
    const changed = into.apply(event);
    this.emit(event.name, event.data as never, event as never);
    this.emit('event', event);
    if (changed && into === this.timeline) this.changed();
  }

  /**
   * The cursor is too old to resume from (the events after it were pruned): subscribe
   * fresh, reload the newest history into a new timeline, then swap it in and say 'reset'.
   * Events older than the cursor are still dropped, so nothing applies twice.
   */
  expire(): void {
    if (this.facts.closed) return;
    this.fresh = true;
    const into = (this.pending = new Timeline(this.id));
    this.set({ resetting: true, subscribed: false });
    this.subscribe();
    void this.reload(into);
  }

  /** A member's first connection entered the room, or its last one left. */
  presenceChanged(kind: 'join' | 'leave', user: string): void {
    if (this.facts.closed) return;
    if (kind === 'leave' && this.typers.set(user, false))
      this.emit('typing', { campaign: this.id, user, typing: false });
    if (kind === 'join' ? this.members.join(user) : this.members.leave(user)) this.presenceEmit();
  }

  /** Another member is typing, or stopped. */
  typed(event: TypingEvent): void {
    if (this.facts.closed) return;
    this.typers.set(event.user, event.typing);
    this.emit('typing', event);
  }

  fail(error: ChatError): void {
    if (!this.facts.closed) this.emit('error', error);
  }

  // ---- inside ------------------------------------------------------------------------

  /**
   * The seam between live events and history is decided here, in this order:
   * 1. subscribe first and keep its cursor: every change after it arrives live, once;
   * 2. then load the history: its snapshot is taken after that cursor, so it holds every
   *    chat committed up to it, which the live stream will not bring;
   * 3. then merge by id, live versions winning: the snapshot may be older than live events
   *    already applied (or newer, and then their events are still on the way).
   * History first and subscribe second would lose the chats committed in between.
   */
  private async loadHistory(into: Timeline, params: HistoryParams): Promise<HistoryPage> {
    await this.cursorHeld();
    const page = await this.link.history(this.id, params);
    if (into.mergeHistory(page.results) && into === this.timeline) this.changed();
    return page;
  }

  /** Newest `limit` chats, over several pages beyond the server's page limit; returns the `before` cursor. */
  private async loadNewest(into: Timeline, limit: number): Promise<string | null> {
    // live: the newest page must hold everything committed up to the cursor, which the
    // subscription will not bring; chats committing later come live
    let page = await this.loadHistory(into, { limit: Math.min(limit, HISTORY_PAGE_MAX), live: true });
    let [loaded, older] = [page.results.length, cursorOf(page.previous, 'before')];
    while (loaded < limit && older !== null) {
      page = await this.loadHistory(into, { limit: Math.min(limit - loaded, HISTORY_PAGE_MAX), before: older });
      [loaded, older] = [loaded + page.results.length, cursorOf(page.previous, 'before')];
    }
    return older;
  }

  private async loadPageBefore(limit: number): Promise<boolean> {
    if (this.older === null || this.older === undefined) return false;
    const into = this.timeline;
    const page = await this.loadHistory(into, { limit: Math.min(limit, HISTORY_PAGE_MAX), before: this.older });
    if (into === this.timeline) this.older = cursorOf(page.previous, 'before');
    return this.older !== null;
  }

  /** Resolves once the room holds a cursor of a subscription (now or before a reconnect). */
  private cursorHeld(): Promise<void> {
    if (this.facts.closed) return Promise.reject(closedError());
    if (!this.fresh && this.lastCursor !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.cursorWaiters.push({ resolve, reject }));
  }

  private answered(ack: Ack<SubscribeAck>): void {
    if (ack.ok) {
      // live events may have come before the answer: the cursor never goes back
      this.lastCursor = laterCursor(this.lastCursor, ack.cursor);
      this.fresh = false;
      this.failures = 0;
      this.typingSentAt = -Infinity; // a new subscription: the server has no typing of ours
      this.set({ subscribed: true });
      // who is here: the answer is the whole truth, joins and leaves sent before it included
      if (this.members.replace(ack.presence ?? [])) this.presenceEmit();
      for (const w of this.cursorWaiters.splice(0)) w.resolve();
      return;
    }
    const error = ChatError.fromAck(ack.error);
    if (error.code === 'cursor_expired') return this.expire();
    // this instance could not reach our cursor in time: it may be catching up, or the log is another one
    if (error.code === 'invalid_cursor' && this.failures >= INVALID_CURSOR_RETRIES) return this.expire();
    this.emit('error', error);
    if (PERMANENT.has(error.code)) return this.close();
    this.retry();
  }

  /** Subscribes again after a jittered backoff (unavailable database, no answer, …). */
  private retry(error?: ChatError): void {
    if (error && this.link.connected) this.emit('error', error);
    if (this.facts.closed || !this.link.connected) return; // the next connect subscribes
    this.retryTimer = setTimeout(() => this.subscribe(), backoff(this.failures++));
  }

  private async reload(into: Timeline): Promise<void> {
    let older: string | null;
    for (let failures = 0; ; failures++) {
      try {
        older = await this.loadNewest(into, this.latestLimit ?? this.link.pageSize);
        break;
      } catch (err) {
        if (this.facts.closed || this.pending !== into) return;
        this.fail(err instanceof ChatError ? err : new ChatError(500, 'internal', String(err)));
        await new Promise((r) => setTimeout(r, backoff(failures)));
      }
    }
    if (this.facts.closed || this.pending !== into) return; // closed, or expired again meanwhile
    [this.timeline, this.pending, this.older] = [into, undefined, older];
    this.set({ resetting: false });
    this.emit('reset');
    this.changed();
  }

  /** The only place the state changes: facts in, state out, 'state' when it differs. */
  private set(facts: Partial<RoomFacts>): void {
    Object.assign(this.facts, facts);
    const next = roomState(this.facts);
    if (next === 'live') this.facts.wasLive = true;
    if (next === this.state) return;
    this.state = next;
    this.emit('state', next);
  }

  /** 'presence' with the new list; built only for a listener (a big room changes often). */
  private presenceEmit(): void {
    if (this.listenerCount('presence')) this.emit('presence', this.presence);
  }

  /** 'change' once per tick, however many events the tick applied. */
  private changed(): void {
    // no listener, no timer: a room read only through its events costs no timer per event
    if (this.changeTimer !== undefined || this.facts.closed || !this.listenerCount('change')) return;
    this.changeTimer = setTimeout(() => {
      this.changeTimer = undefined;
      this.emit('change', this.chats);
    }, 0);
  }
}
