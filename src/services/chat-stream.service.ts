import { LRUCache } from 'lru-cache';
import { requireScope, sees, subjectOf, type Principal } from '../auth/principal';
import { AppError, NotFoundError, streamError } from '../errors';
import type { AppendAck, ChatRep, ChatStatus } from '../protocol';
import type { AppendInput } from '../schemas/chat.schemas';
import { createBatcher } from './batcher';
import type { ServiceContext } from './context';
import { chatJson } from './representation.sql';

export interface StreamSettings {
  /** At most one commit of appends per this long (on this instance): appends wait for it and share it. */
  flushMs: number;
  /** A stream with no append for this long is failed (by whichever instance sweeps first). */
  idleTimeoutMs: number;
  /** A stream open for longer than this is failed. */
  maxDurationMs: number;
  /** The most JavaScript string units a streamed message may hold (as a chat created whole). */
  maxLength: number;
}

/** What an append needs to know of its stream, and which never changes while it is open. */
interface StreamMeta {
  campaign: string;
  /** The token subject that started it, the only one that may append and finish; null in open mode. */
  owner: string | null;
}

interface Append {
  chat: string;
  seq: number;
  text: string;
}

interface Outcome {
  r_n: number;
  r_outcome: 'ok' | 'out_of_order' | 'too_large' | 'stream_closed' | 'not_found';
  r_seq: number | null;
  r_length: number | null;
  r_status: ChatStatus | null;
}

const META = `
  SELECT c.campaign_id AS campaign, c.status, s.owner
  FROM chats c LEFT JOIN chat_streams s ON s.chat_id = c.id WHERE c.id = $1`;

const APPEND = `
  SELECT r_n, r_outcome, r_seq, r_length, r_status
  FROM chat_stream_append($1::uuid[], $2::int[], $3::text[], $4::int[], $5) ORDER BY r_n`;

const CHAT = `SELECT ${chatJson('c')} AS j FROM chats c WHERE c.id = $1`;

const closed = (status: string) =>
  streamError('stream_closed', `This chat is not streaming: it is ${status}.`, { status });

function outcomeError(o: Outcome, append: Append, maxLength: number): Error | undefined {
  switch (o.r_outcome) {
    case 'ok':
      return undefined;
    case 'out_of_order':
      return streamError('out_of_order', `Expected seq ${o.r_seq}, got ${append.seq}.`, {
        expected: o.r_seq as number,
      });
    case 'too_large':
      return new AppError('too_large', `A streamed message holds at most ${maxLength} characters.`);
    case 'stream_closed':
      return closed(o.r_status as string);
    case 'not_found':
      return new NotFoundError();
  }
}

export type ChatStreamService = ReturnType<typeof createChatStreamService>;

/**
 * Producing a streamed chat: appends, finish, cancel, and the cluster-wide expiry of streams
 * nobody feeds. Appends from every stream of this instance are coalesced into one statement
 * (one commit, one delta event per stream) per `flushMs`; each waits for that commit, so an
 * acknowledged append is durable. The rules (next seq, repeats, the length cap, a closed
 * stream) are judged in Postgres under the stream's row lock, so two instances appending to
 * one stream (a producer that moved) stay exact.
 */
export function createChatStreamService({ sql, outsideRequest }: ServiceContext, settings: StreamSettings) {
  /** Open streams' campaign and owner, so an append is authorised without a query. */
  const meta = new LRUCache<string, StreamMeta>({ max: 10_000 });
  /** Each stream's last queued append: a finish waits for it (this instance's appends land first). */
  const lastAppend = new Map<string, Promise<unknown>>();

  const flush = createBatcher<Append, AppendAck>((items) => outsideRequest(() => applyAppends(items)), {
    concurrency: 1,
    maxBatch: 1_000,
    intervalMs: settings.flushMs,
  });

  async function applyAppends(items: Append[]): Promise<(AppendAck | Error)[]> {
    const outcomes = await sql<Outcome>(APPEND, [
      items.map((a) => a.chat),
      items.map((a) => a.seq),
      items.map((a) => a.text),
      items.map((a) => a.text.length),
      settings.maxLength,
    ]);
    return outcomes.map((o, i) => {
      const error = outcomeError(o, items[i], settings.maxLength);
      if (o.r_outcome === 'stream_closed' || o.r_outcome === 'not_found') meta.delete(items[i].chat);
      return error ?? { seq: o.r_seq as number, length: o.r_length as number };
    });
  }

  /** Loads of streams not cached yet, shared by the appends that wait for them (so they stay in order). */
  const loading = new Map<string, Promise<StreamMeta | StreamRow | undefined>>();

  type StreamRow = StreamMeta & { status: ChatStatus };

  function load(id: string): Promise<StreamMeta | StreamRow | undefined> {
    let pending = loading.get(id);
    if (!pending) {
      pending = sql<StreamRow>(META, [id])
        .then(([row]) => {
          if (row?.status === 'streaming') meta.set(id, { campaign: row.campaign, owner: row.owner });
          return row;
        })
        .finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    return pending;
  }

  /** The stream's campaign and owner, if the principal can see the chat: 404 otherwise, 409 once it ended. */
  function check(found: StreamMeta | StreamRow | undefined, p: Principal): StreamMeta {
    if (!found || !sees(p, found.campaign)) throw new NotFoundError();
    requireScope(p, 'write');
    if ('status' in found && found.status !== 'streaming') throw closed(found.status);
    return found;
  }

  /**
   * Synchronous when the stream is cached: appends sent in order over one connection reach
   * the commit window in that order (and those that wait for a load wait for the same one).
   */
  const streamOf = async (id: string, p: Principal): Promise<StreamMeta> => check(meta.get(id) ?? (await load(id)), p);

  /** Appends and finishes are the producer's: with tokens, the subject that started the stream. */
  function requireProducer(stream: StreamMeta, p: Principal): void {
    if (stream.owner !== null && stream.owner !== (subjectOf(p) ?? null)) {
      throw new AppError('forbidden', 'Only the producer that started this stream may write to it.');
    }
  }

  async function chat(id: string): Promise<ChatRep> {
    const [row] = await sql<{ j: ChatRep }>(CHAT, [id]);
    if (!row) throw new NotFoundError();
    return row.j;
  }

  /** Ends the stream as `status`; the chat as it ended, or 409 if it had ended otherwise. */
  async function end(id: string, status: ChatStatus): Promise<ChatRep> {
    const [{ after }] = await sql<{ after: ChatStatus | null }>('SELECT chat_stream_end($1, $2) AS after', [
      id,
      status,
    ]);
    meta.delete(id);
    if (after === null) throw new NotFoundError();
    if (after !== status) throw closed(after);
    return chat(id);
  }

  /** A chat that has already ended answers finish/cancel from its row: a repeat is a success. */
  async function endOrRepeat(id: string, p: Principal, status: ChatStatus, producer: boolean): Promise<ChatRep> {
    let stream: StreamMeta;
    try {
      stream = await streamOf(id, p);
    } catch (err) {
      if (err instanceof AppError && err.code === 'stream_closed' && err.details?.status === status) return chat(id);
      throw err;
    }
    if (producer) requireProducer(stream, p);
    return end(id, status);
  }

  return {
    /** A stream just opened on this instance: its producer's appends will come here first. */
    opened({ id, campaign, owner }: { id: string; campaign: string; owner: string | null }): void {
      meta.set(id, { campaign, owner });
    },

    /** Appends the next piece; resolves once it is committed, with the message's length after it. */
    async append(id: string, { seq, text }: AppendInput, p: Principal): Promise<AppendAck> {
      requireProducer(check(meta.get(id) ?? (await load(id)), p), p);
      const done = flush({ chat: id, seq, text });
      const settled = done.catch(() => undefined);
      lastAppend.set(id, settled);
      void settled.then(() => lastAppend.get(id) === settled && lastAppend.delete(id));
      return done;
    },

    /** Ends the producer's stream, after this instance's appends to it are committed. Idempotent. */
    async finish(id: string, status: 'complete' | 'failed', p: Principal): Promise<ChatRep> {
      await lastAppend.get(id);
      return endOrRepeat(id, p, status, true);
    },

    /** Stops a stream (any member who may write there); its text so far is kept. Idempotent. */
    cancel: (id: string, p: Principal): Promise<ChatRep> => endOrRepeat(id, p, 'cancelled', false),

    /** Fails the streams nobody fed in time, cluster-wide; returns how many. */
    async expire(): Promise<number> {
      const [{ n }] = await sql<{ n: number }>('SELECT chat_stream_expire($1, $2) AS n', [
        settings.idleTimeoutMs,
        settings.maxDurationMs,
      ]);
      return n;
    },
  };
}
