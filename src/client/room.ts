import { EventEmitter } from 'eventemitter3';
import type { ChatDelta, ChatRep, PresenceEntry, TypingEvent } from '../protocol';
import { ChatError, chatError, closedError } from './errors';
import { RoomHistory } from './room.history';
import type { RoomLink } from './room.link';
import { RoomPresence } from './room.presence';
import { StreamWriter, type ChatStream } from './room.stream';
import { RoomSubscription, type SubscribeOutcome } from './room.subscription';
import { INITIAL_ROOM, roomState, roomStep, type RoomInput } from './state';
import type { Timeline } from './timeline';
import type { RoomEvent, RoomEvents, RoomState } from './types';

export type { RoomLink } from './room.link';
export type { ChatStream } from './room.stream';

/** Something to stream from: the AI SDK's `textStream`, an OpenAI stream mapped to text, a generator. */
export type TextSource = AsyncIterable<string> | Iterable<string>;

/**
 * One campaign room: live events, merged with history into `chats`, kept across reconnects.
 * Its parts do one job each: the subscription (cursor, resume, retries), the history (the
 * timelines and their pages, through the seam), the presence (members and typing). The
 * room is their state machine: every input of `state.ts` is sent from here, by `go`.
 */
export class Room extends EventEmitter<RoomEvents> {
  state: RoomState = 'connecting';
  #facts = INITIAL_ROOM;
  readonly #subscription: RoomSubscription;
  readonly #history: RoomHistory;
  readonly #members: RoomPresence;
  /** The streams this client writes in the room, by chat id. */
  readonly #writers = new Map<string, StreamWriter>();

  constructor(
    readonly id: string,
    private readonly link: RoomLink,
  ) {
    super();
    this.#subscription = new RoomSubscription(id, link);
    this.#history = new RoomHistory(id, link, this.#subscription, this);
    this.#members = new RoomPresence(id, link, this);
  }

  /** The synced timeline: history and live chats, one per id, by created_at then id. */
  get chats(): readonly ChatRep[] {
    return this.#history.shown.list;
  }

  /** Who is in the room now, on every instance, this client included (see 'presence'). */
  get presence(): readonly PresenceEntry[] {
    return this.#members.list;
  }

  /** The other members typing now (see 'typing'). */
  get typing(): readonly string[] {
    return this.#members.typing;
  }

  /** The last event applied; resuming sends it as `since`. */
  get cursor(): string | undefined {
    return this.#subscription.cursor;
  }

  /** Newest `limit` chats, merged with the live ones. */
  loadLatest(limit?: number): Promise<readonly ChatRep[]> {
    return this.#history.loadLatest(limit);
  }

  /** The page before the oldest loaded chat. Resolves false once the start is reached. */
  loadOlder(limit?: number): Promise<boolean> {
    return this.#history.loadOlder(limit);
  }

  /** Writes a chat through the socket; resolves with it once stored (it also arrives live). */
  async send(input: { author: ChatRep['author']; message: string; status?: 'streaming' }): Promise<ChatRep> {
    const ack = await this.link.request<{ data: ChatRep }>('chat:create', { ...input, campaign: this.id });
    if (!ack.ok) throw ChatError.fromAck(ack.error);
    this.#members.typingEnded();
    return ack.data;
  }

  /**
   * Opens a streamed chat and returns its writer: `write()` never waits, `end()` resolves
   * with the final chat once every piece is committed, `signal` aborts when someone stops it.
   */
  async startStream(input: { author: ChatRep['author']; message?: string }): Promise<ChatStream> {
    const chat = await this.send({ ...input, message: input.message ?? '', status: 'streaming' });
    const live = () => this.state === 'live';
    const link = {
      request: this.link.request,
      get live(): boolean {
        return live();
      },
    };
    const writer = new StreamWriter(chat.id, link, () => this.#writers.delete(chat.id));
    this.#writers.set(chat.id, writer);
    return writer;
  }

  /**
   * Streams `source` into a new chat, piece by piece; resolves with the final chat. When
   * someone cancels it, stops pulling from the source (its `return()`) and resolves with the
   * chat as it was cancelled. A source that throws fails the chat, and the error is thrown.
   */
  async streamText(source: TextSource, input: { author: ChatRep['author']; message?: string }): Promise<ChatRep> {
    const stream = await this.startStream(input);
    const pieces: Iterator<string> | AsyncIterator<string> =
      Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
    const stopped = new Promise<undefined>((resolve) =>
      stream.signal.addEventListener('abort', () => resolve(undefined)),
    );
    try {
      for (;;) {
        const next = await Promise.race([pieces.next(), stopped]);
        if (!next) break;
        if (next.done) return await stream.end();
        stream.write(next.value);
      }
    } catch (err) {
      await stream.fail().catch(() => undefined);
      throw err;
    }
    void Promise.resolve(pieces.return?.()).catch(() => undefined);
    return stream.end();
  }

  /** Stops a streamed chat (anyone who may write here); resolves with it, `cancelled`. */
  async cancel(chatId: string): Promise<ChatRep> {
    const ack = await this.link.request<{ data: ChatRep }>('chat:cancel', { id: chatId });
    if (!ack.ok) throw ChatError.fromAck(ack.error);
    return ack.data;
  }

  /**
   * Tells the others in the room that this member is (not) typing; call it as often as the
   * UI likes. A repeated `true` within TYPING_INTERVAL_MS is not sent (the server would fold
   * it), and the server ends a `true` not refreshed within TYPING_EXPIRY_MS. Rejects with a
   * ChatError when the room is closed (`closed`) or not subscribed now (`not_subscribed`).
   */
  async setTyping(typing: boolean): Promise<void> {
    if (this.#facts.closed) throw closedError('room');
    if (!this.#facts.subscribed) throw chatError('not_subscribed', 'The room is not subscribed right now.');
    return this.#members.setTyping(typing);
  }

  close(): void {
    if (this.#facts.closed) return;
    // only a subscription the server acknowledged on this connection is there to end
    if (this.link.connected && this.#facts.subscribed) {
      this.link.request('unsubscribe', { campaignId: this.id }).catch(() => undefined);
    }
    this.#subscription.close();
    this.#history.close();
    for (const writer of this.#writers.values()) writer.dropped(closedError('room'));
    this.#go('close');
    this.#members.clear();
    this.link.forget(this);
  }

  // ---- driven by the client --------------------------------------------------------

  /** (Re)subscribes on the current connection: resuming from the cursor, or fresh. */
  subscribe(): void {
    if (this.#facts.closed || !this.link.connected) return;
    this.#subscription.send((outcome) => this.#answered(outcome));
  }

  disconnected(): void {
    this.#subscription.lost();
    this.#go('lost');
  }

  /** A live event; replayed ones come before the subscribe answer, live ones may too. */
  receive(event: RoomEvent): void {
    // a snapshot of an open stream (a chat:updated) carries the subscription's cursor, as its siblings do
    const updated = event.name === 'chat:updated';
    if (this.#facts.closed || !this.#subscription.advance(event.cursor, updated)) return; // applied already
    const changed = this.#history.apply(event);
    this.emit(event.name, event.data as never, event as never);
    this.emit('event', event);
    if (changed) this.#history.changed();
    if (updated && event.data.status !== 'streaming') this.#writers.get(event.data.id)?.closed(event.data.status);
  }

  /** New text of a streaming chat: placed at its offset (a duplicate changes nothing). */
  receiveDelta(delta: ChatDelta): void {
    if (this.#facts.closed || !this.#subscription.advance(delta.cursor)) return;
    const chat = this.#history.applyDelta(delta);
    if (!chat) return;
    this.emit('chat:delta', chat, delta);
    this.#history.changed();
  }

  /**
   * The cursor is too old to resume from (the events after it were pruned): subscribe
   * fresh, reload the newest history into a new timeline, then show it and say 'reset'.
   * Events older than the cursor are still dropped, so nothing applies twice.
   */
  expire(): void {
    if (this.#facts.closed) return;
    this.#subscription.restart();
    const into = this.#history.rebuild();
    this.#go('expired');
    this.subscribe();
    void this.#reload(into);
  }

  /** A member's first connection entered the room, or its last one left. */
  presenceChanged(kind: 'join' | 'leave', user: string): void {
    if (!this.#facts.closed) this.#members.joinedOrLeft(kind, user);
  }

  /** Another member is typing, or stopped. */
  typed(event: TypingEvent): void {
    if (!this.#facts.closed) this.#members.typed(event);
  }

  fail(error: ChatError): void {
    if (!this.#facts.closed) this.emit('error', error);
  }

  // ---- inside ------------------------------------------------------------------------

  /** Every outcome of a subscribe, and the transition each makes. */
  #answered(outcome: SubscribeOutcome): void {
    switch (outcome.kind) {
      case 'subscribed':
        this.#members.typingEnded();
        this.#go('subscribed');
        return this.#members.answered(outcome.presence);
      case 'expired':
        return this.expire();
      case 'refused':
        this.emit('error', outcome.error);
        return this.close();
      case 'failed':
        if (outcome.error) this.emit('error', outcome.error);
        // not connected: the next connect subscribes
        if (!this.#facts.closed && this.link.connected) this.#subscription.retryLater(() => this.subscribe());
    }
  }

  /** The history reloaded after the cursor expired is shown, unless closed or expired again meanwhile. */
  async #reload(into: Timeline): Promise<void> {
    const reloaded = await this.#history.reload(into);
    if (!reloaded || !this.#history.show(reloaded)) return;
    this.#go('reloaded');
    this.emit('reset');
    this.#history.changed();
  }

  /** The only place the state changes: the machine's next facts, and 'state' when the state differs. */
  #go(input: RoomInput): void {
    this.#facts = roomStep(this.#facts, input);
    const next = roomState(this.#facts);
    if (next === this.state) return;
    this.state = next;
    this.emit('state', next);
  }
}
