import type { Ack, AppendAck, ChatRep } from '../protocol';
import { backoff, sleep } from './backoff';
import { ChatError, chatError } from './errors';

/** A streamed chat this client writes (see `room.startStream`). */
export interface ChatStream {
  readonly id: string;
  /** Queues text; never waits. Sent in order, at most a few pieces unacknowledged (text waiting meanwhile goes as one). */
  write(text: string): void;
  /** Ends the stream once every piece is committed; resolves with the final chat (as it ended, if someone stopped it). */
  end(): Promise<ChatRep>;
  /** The same, ending it as `failed`. */
  fail(): Promise<ChatRep>;
  /** Aborts when the stream is cancelled, failed or refused; `signal.reason` is a ChatError (`stream_closed`, with the status). */
  readonly signal: AbortSignal;
}

/** What a writer needs of its room: requests over the socket, and whether the room is subscribed now. */
export interface StreamLink {
  readonly live: boolean;
  request<T extends object>(event: 'chat:append' | 'chat:finish' | 'chat:cancel', payload: object): Promise<Ack<T>>;
}

/** Unacknowledged appends at most: enough to hide a round trip, few to resend after a reconnect. */
const WINDOW = 4;
/** Failures that say nothing of the stream: the piece is sent again (by seq, so a repeat is harmless). */
const TRANSIENT = new Set(['no_answer', 'unavailable', 'timeout', 'cancelled', 'rate_limited', 'too_many_inflight']);

interface Piece {
  seq: number;
  text: string;
}

/**
 * Writes one stream: pieces get their seq when sent, and stay in `#inflight` until
 * acknowledged. Any transient failure (a lost connection, an instance gone, a busy server)
 * resends every unacknowledged piece, in order, once the room is live again on whichever
 * instance: the server takes a repeat of a committed seq as a success, so nothing doubles.
 */
export class StreamWriter implements ChatStream {
  readonly #stop = new AbortController();
  readonly signal = this.#stop.signal;
  #buffer = '';
  #seq = 0;
  #inflight: Piece[] = [];
  /** Bumped at each resend: answers to an older round are not acted on (but an ok still counts). */
  #round = 0;
  #resending = false;
  #drained: (() => void)[] = [];
  #ending?: Promise<ChatRep>;

  constructor(
    readonly id: string,
    private readonly link: StreamLink,
    private readonly onDone: () => void,
  ) {}

  write(text: string): void {
    if (this.signal.aborted || this.#ending || !text) return;
    this.#buffer += text;
    this.#pump();
  }

  end(): Promise<ChatRep> {
    return this.#finish('complete');
  }

  fail(): Promise<ChatRep> {
    return this.#finish('failed');
  }

  /** The room closed: nothing more is sent, and end() rejects. */
  dropped(reason: ChatError): void {
    this.#abort(reason);
  }

  /** The room saw the chat end (someone cancelled it, the server failed it): stop writing. */
  closed(status: string): void {
    this.#abort(new ChatError(409, 'stream_closed', `The stream was ${status}.`, undefined, { status }));
  }

  #pump(): void {
    while (!this.#resending && this.#buffer && this.#inflight.length < WINDOW && this.link.live) {
      const piece = { seq: ++this.#seq, text: this.#buffer };
      this.#buffer = '';
      this.#inflight.push(piece);
      this.#send(piece);
    }
    if ((!this.#buffer && !this.#inflight.length) || this.signal.aborted)
      for (const done of this.#drained.splice(0)) done();
  }

  #send(piece: Piece): void {
    const round = this.#round;
    this.link.request<AppendAck>('chat:append', { id: this.id, ...piece }).then(
      (ack) => (ack.ok ? this.#acked(piece) : this.#refused(ChatError.fromAck(ack.error), round)),
      (err: unknown) => this.#refused(err instanceof ChatError ? err : chatError('no_answer', String(err)), round),
    );
  }

  #acked(piece: Piece): void {
    this.#inflight = this.#inflight.filter((p) => p !== piece);
    this.#pump();
  }

  #refused(err: ChatError, round: number): void {
    if (this.signal.aborted || round !== this.#round) return;
    if (err.code === 'stream_closed') return this.#abort(err);
    // a piece before it failed (out of order), or this one did: all go again from the first
    if (TRANSIENT.has(err.code) || err.code === 'out_of_order') return void this.#resend();
    this.#abort(err);
    this.link.request('chat:finish', { id: this.id, status: 'failed' }).catch(() => undefined);
  }

  async #resend(): Promise<void> {
    this.#resending = true;
    this.#round++;
    for (let attempt = 0; !this.link.live && !this.signal.aborted; attempt++) await sleep(backoff(attempt, 100, 2_000));
    this.#resending = false;
    if (this.signal.aborted) return;
    for (const piece of this.#inflight) this.#send(piece);
    this.#pump();
  }

  #abort(reason: ChatError): void {
    if (this.signal.aborted) return;
    this.#stop.abort(reason);
    this.#pump();
  }

  #finish(status: 'complete' | 'failed'): Promise<ChatRep> {
    return (this.#ending ??= (async () => {
      await new Promise<void>((resolve) => (this.#drained.push(resolve), this.#pump()));
      try {
        const reason = this.signal.reason as ChatError | undefined;
        if (reason && reason.code !== 'stream_closed') throw reason;
        // the chat as it ended: finish and cancel answer an ended chat again
        const closedAs = reason?.details?.status;
        return await this.#request(closedAs === 'cancelled' ? 'chat:cancel' : 'chat:finish', {
          id: this.id,
          status: closedAs ?? status,
        });
      } finally {
        this.onDone();
      }
    })());
  }

  /** A request that waits out lost connections and busy servers. */
  async #request(event: 'chat:finish' | 'chat:cancel', payload: object): Promise<ChatRep> {
    for (let attempt = 0; ; attempt++) {
      const ack = await this.link
        .request<{ data: ChatRep }>(event, payload)
        .catch((err: ChatError) => ({ ok: false as const, error: err }));
      if (ack.ok) return ack.data;
      const err = ack.error instanceof ChatError ? ack.error : ChatError.fromAck(ack.error);
      const gone = this.signal.reason as ChatError | undefined;
      if (!TRANSIENT.has(err.code) || gone?.code === 'closed') throw gone?.code === 'closed' ? gone : err;
      await sleep(backoff(attempt, 100, 2_000));
    }
  }
}
