import { isAfter, laterCursor, type Ack, type PresenceEntry, type SubscribeAck } from '../protocol';
import { backoff } from './backoff';
import { ChatError, closedError } from './errors';
import type { RoomLink } from './room.link';

/** Subscribe answers after which retrying cannot help. */
const PERMANENT = new Set(['not_found', 'forbidden', 'unauthorized', 'invalid']);
/** An instance that cannot reach our cursor in time is retried this often before the history is reloaded. */
const INVALID_CURSOR_RETRIES = 3;

/** What a subscribe answer means for the room. */
export type SubscribeOutcome =
  | { kind: 'subscribed'; presence: readonly PresenceEntry[] }
  /** The cursor cannot be resumed from: subscribe fresh and reload the history. */
  | { kind: 'expired' }
  /** Refused for good (`PERMANENT`): the room closes. */
  | { kind: 'refused'; error: ChatError }
  /** Worth another try after a backoff; `error` is what to report, if anything. */
  | { kind: 'failed'; error?: ChatError };

/**
 * A room's subscription: its cursor (the last event applied, sent as `since` to resume),
 * whether the next subscribe goes fresh, the attempts and their retries, and who waits for a
 * cursor to load history after. It says what each answer means; the room makes the
 * transition.
 */
export class RoomSubscription {
  /** The last event applied. */
  cursor?: string;
  /** The next subscribe goes without `since` (first one, or after the cursor expired). */
  #fresh = true;
  /** Bumped on every subscribe, disconnect and close: an answer to an older attempt is ignored. */
  #attempt = 0;
  #failures = 0;
  #retryTimer?: ReturnType<typeof setTimeout>;
  readonly #waiters: [resolve: () => void, reject: (err: Error) => void][] = [];
  #closed = false;

  constructor(
    private readonly campaign: string,
    private readonly link: RoomLink,
  ) {}

  /**
   * Sends a subscribe on the current connection, resuming from the cursor or fresh, and
   * gives `answered` what its answer means (an answer to an older attempt is dropped).
   */
  send(answered: (outcome: SubscribeOutcome) => void): void {
    clearTimeout(this.#retryTimer);
    const sent = ++this.#attempt;
    const since = this.#fresh ? undefined : this.cursor;
    this.link
      .request<SubscribeAck>('subscribe', { campaignId: this.campaign, ...(since !== undefined && { since }) })
      .then(
        (ack) => sent === this.#attempt && answered(this.#read(ack)),
        (error: ChatError) =>
          sent === this.#attempt && answered({ kind: 'failed', error: this.link.connected ? error : undefined }),
      );
  }

  /** Subscribes again after a jittered backoff (unavailable database, no answer, …). */
  retryLater(subscribe: () => void): void {
    this.#retryTimer = setTimeout(subscribe, backoff(this.#failures++));
  }

  /**
   * Whether a live event is after the cursor, which it then becomes; false: applied already.
   * `orAt`: the cursor itself will do (the open streams' snapshots share the subscription's).
   */
  advance(next: string, orAt = false): boolean {
    if (!isAfter(next, this.cursor) && !(orAt && next === this.cursor)) return false;
    this.cursor = next;
    return true;
  }

  /**
   * The cursor is too old to resume from: the next subscribe goes fresh, and history waits
   * for its cursor. It is kept meanwhile, so events older than it are still dropped.
   */
  restart(): void {
    this.#fresh = true;
  }

  /** The connection was lost: no answer on it counts any more, and no retry is due. */
  lost(): void {
    this.#attempt++;
    clearTimeout(this.#retryTimer);
  }

  close(): void {
    this.#closed = true;
    this.lost();
    for (const [, reject] of this.#waiters.splice(0)) reject(closedError('room'));
  }

  /** Resolves once the room holds a cursor of a subscription (now or before a reconnect). */
  cursorHeld(): Promise<void> {
    if (this.#closed) return Promise.reject(closedError('room'));
    if (!this.#fresh && this.cursor !== undefined) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiters.push([resolve, reject]));
  }

  #read(ack: Ack<SubscribeAck>): SubscribeOutcome {
    if (!ack.ok) return this.#refused(ChatError.fromAck(ack.error));
    // live events may have come before the answer: the cursor never goes back
    this.cursor = laterCursor(this.cursor, ack.cursor);
    this.#fresh = false;
    this.#failures = 0;
    for (const [resolve] of this.#waiters.splice(0)) resolve();
    return { kind: 'subscribed', presence: ack.presence ?? [] };
  }

  #refused(error: ChatError): SubscribeOutcome {
    // invalid_cursor: this instance could not reach our cursor in time; it may be catching up, or the log is another one
    const stale = error.code === 'invalid_cursor' && this.#failures >= INVALID_CURSOR_RETRIES;
    if (error.code === 'cursor_expired' || stale) return { kind: 'expired' };
    return PERMANENT.has(error.code) ? { kind: 'refused', error } : { kind: 'failed', error };
  }
}
