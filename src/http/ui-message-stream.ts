import type { Response } from 'express';
import type { ChatRep } from '../protocol';
import type { ChangeEvent } from '../pubsub/event.store';
import type { RoomFollower } from '../pubsub/room.followers';

/**
 * The chunks of the AI SDK's UI message stream (v1) that a chat needs: the `ai` package's
 * `uiMessageChunkSchema` is the reference, and test/streams/ui-stream.test.ts reads ours with it.
 */
export type UiChunk =
  | { type: 'start'; messageId: string }
  | { type: 'text-start' | 'text-end'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'finish'; finishReason: 'stop' }
  | { type: 'abort'; reason: string }
  | { type: 'error'; errorText: string };

export const UI_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream',
  // no-transform: a proxy must not compress (so buffer) the events
  'Cache-Control': 'no-cache, no-transform',
  'X-Accel-Buffering': 'no',
  'x-vercel-ai-ui-message-stream': 'v1',
};

/** Where a chat's chunks go: a server-sent events response, or a test's array. */
export interface UiChunkSink {
  send(chunk: UiChunk): void;
  /** After the last chunk: `data: [DONE]`. */
  end(): void;
}

/**
 * A server-sent events response: each chunk one `data:` event, written at once (nothing in
 * the chain compresses or buffers), and a keep-alive comment whenever it has been idle for
 * `keepAliveMs`, so proxies and browsers do not take a quiet stream for a dead one.
 */
export function sseResponse(res: Response, keepAliveMs: number): UiChunkSink {
  // the client went away while the chat was read: its 'close' has passed, and would never clear a timer
  if (res.destroyed) return { send: () => undefined, end: () => undefined };
  // writeHead, not res.set: Express would add `; charset=utf-8` to the event-stream type
  res.writeHead(200, UI_STREAM_HEADERS);
  res.flushHeaders();
  // each chunk is a small write that Nagle's algorithm would hold back for the next one
  res.socket?.setNoDelay(true);
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
  res.once('close', () => clearInterval(keepAlive));
  return {
    send(chunk) {
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
      keepAlive.refresh();
    },
    end() {
      clearInterval(keepAlive);
      res.end('data: [DONE]\n\n');
    },
  };
}

const TEXT = 'text';

const ENDINGS: Record<Exclude<ChatRep['status'], 'streaming'>, UiChunk> = {
  complete: { type: 'finish', finishReason: 'stop' },
  cancelled: { type: 'abort', reason: 'cancelled' },
  failed: { type: 'error', errorText: 'The message failed before it was complete.' },
};

const LOST: Record<Parameters<RoomFollower['end']>[0], string> = {
  gap: 'This server lost events of the room; reconnect to resume the stream.',
  stopped: 'This server is shutting down; reconnect to resume the stream.',
};

/**
 * One chat as a UI message stream, fed by its room's events: `start`, then one text part
 * holding the text at the join and every piece after it exactly once, then the chat's ending
 * (`finish`, `abort` or `error`). The text only grows, so "what is past what was sent" makes
 * a snapshot, a delta and a final row all safe to apply. Events delivered before `begin`
 * (the feed may deliver as soon as the follower joins) wait for it.
 */
export class ChatUiStream implements RoomFollower {
  private sink?: UiChunkSink;
  private chat = '';
  private sent = 0;
  private ended = false;
  private early: ChangeEvent[] = [];
  private lostEarly?: Parameters<RoomFollower['end']>[0];

  begin(chat: ChatRep, sink: UiChunkSink): void {
    this.sink = sink;
    this.chat = chat.id;
    sink.send({ type: 'start', messageId: chat.id });
    sink.send({ type: 'text-start', id: TEXT });
    this.row(chat);
    this.deliver(this.early.splice(0));
    if (this.lostEarly) this.end(this.lostEarly);
  }

  deliver(events: ChangeEvent[]): void {
    if (!this.sink) return void this.early.push(...events);
    for (const e of events) if (!this.ended) this.take(e);
  }

  end(reason: Parameters<RoomFollower['end']>[0]): void {
    if (!this.sink) return void (this.lostEarly = reason);
    this.finish({ type: 'error', errorText: LOST[reason] });
  }

  private take(e: ChangeEvent): void {
    const data = e.data as { id?: string };
    if (e.name === 'campaign:deleted' || (e.name === 'chat:deleted' && data.id === this.chat)) {
      this.finish({ type: 'error', errorText: 'The chat was deleted.' });
    } else if (data.id !== this.chat) {
      return;
    } else if (e.name === 'chat:delta') {
      const { offset, text } = e.data as { offset: number; text: string };
      this.text(text, offset);
    } else if (e.name === 'chat:created' || e.name === 'chat:updated') {
      this.row(e.data as ChatRep);
    }
  }

  /** A rendering of the chat: its text (as of some position), and its ending once it has one. */
  private row(chat: ChatRep): void {
    this.text(chat.message, 0);
    if (chat.status !== 'streaming' && !this.ended) {
      this.sink!.send({ type: 'text-end', id: TEXT });
      this.finish(ENDINGS[chat.status]);
    }
  }

  private text(text: string, offset: number): void {
    if (this.ended) return;
    // past what was sent, never overlapping: the feed sends no gap, and a gap is no text to guess
    if (offset > this.sent) return this.finish({ type: 'error', errorText: LOST.gap });
    const fresh = text.slice(this.sent - offset);
    if (!fresh) return;
    this.sink!.send({ type: 'text-delta', id: TEXT, delta: fresh });
    this.sent += fresh.length;
  }

  private finish(last: UiChunk): void {
    if (this.ended) return;
    this.ended = true;
    this.sink!.send(last);
    this.sink!.end();
  }
}
