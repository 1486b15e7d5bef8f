/**
 * The Socket.IO protocol: what each side sends and what it answers. Typed servers and
 * clients build on it: `new Server<ClientToServerEvents, ServerToClientEvents>()`.
 */
import type { AckError } from './errors';
import type { AppendAck, CampaignFields, ChatRep, ChatStatus, DataRep } from './representations';

export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

/** Every live event: `cursor` is opaque, pass the last one back as `since` to resume. */
export interface LiveEvent<T> {
  cursor: string;
  campaign: string;
  data: T;
}

/**
 * New text of a streaming chat: place `text` at `offset` of the message (JavaScript string
 * units). Deltas arrive in order and rebuild the message exactly; one whose text is already
 * held (offset + text.length <= the length held) is a duplicate.
 */
export interface ChatDelta {
  cursor: string;
  campaign: string;
  /** The chat's id. */
  id: string;
  offset: number;
  text: string;
}

/** Appends `text` to a streaming chat: `seq` is 1, 2, 3… per chat; a repeat of an applied seq with the same text succeeds again. */
export interface AppendRequest {
  id: string;
  seq: number;
  text: string;
}
export interface FinishRequest {
  id: string;
  /** Default `complete`. */
  status?: Exclude<ChatStatus, 'streaming' | 'cancelled'>;
}

export interface SubscribeRequest {
  campaignId: string;
  since?: string;
}

/**
 * The handshake's `auth`: a `token` where the server requires one (the member is then its
 * `sub`); in open mode a display `name` instead, trimmed, at most MAX_NAME_LENGTH
 * characters (a longer one is refused). Without either, the member is `anonymous-<short id>`.
 */
export interface HandshakeAuth {
  token?: string;
  name?: string;
}

/** One member in a room, on every instance, and how many connections it has there. */
export interface PresenceEntry {
  user: string;
  connections: number;
}
export interface SubscribeAck {
  cursor: string;
  replayed: number;
  /** Everyone in the room now, the subscriber included; later changes arrive as presence:join/leave. */
  presence: PresenceEntry[];
}
/** A member's first connection in the room entered (join), or its last one left (leave). */
export interface PresenceChange {
  campaign: string;
  user: string;
}

export interface TypingRequest {
  campaignId: string;
  typing: boolean;
}
export interface TypingEvent {
  campaign: string;
  user: string;
  typing: boolean;
}

export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: (res: Ack<SubscribeAck>) => void) => void;
  unsubscribe: (req: { campaignId: string }, ack: (res: Ack) => void) => void;
  /** `status: 'streaming'` opens a stream (its message may be empty): append to it, then finish it. */
  'chat:create': (
    req: { campaign: string; author: string; message?: string; status?: 'streaming' | 'complete' },
    ack: (res: Ack<{ data: ChatRep }>) => void,
  ) => void;
  'chat:append': (req: AppendRequest, ack: (res: Ack<AppendAck>) => void) => void;
  'chat:finish': (req: FinishRequest, ack: (res: Ack<{ data: ChatRep }>) => void) => void;
  /** Stops a stream (any member who may write there): the chat is `cancelled`, its text so far kept. */
  'chat:cancel': (req: { id: string }, ack: (res: Ack<{ data: ChatRep }>) => void) => void;
  /** A fresh token for the same subject, before the current one expires. */
  'auth:refresh': (req: { token: string }, ack: (res: Ack) => void) => void;
  'data:create': (
    req: { context?: string; image?: string; chat?: string | null; campaign?: string | null },
    ack: (res: Ack<{ data: DataRep }>) => void,
  ) => void;
  /** Typing in a room this socket has joined (else `not_subscribed`); sending a chat ends it. */
  typing: (req: TypingRequest, ack: (res: Ack) => void) => void;
}

export interface ServerToClientEvents {
  'chat:created': (e: LiveEvent<ChatRep>) => void;
  'chat:updated': (e: LiveEvent<ChatRep>) => void;
  'chat:deleted': (e: LiveEvent<{ id: string; campaign: string }>) => void;
  /**
   * New text of a streaming chat (after its `chat:created`; its `chat:updated` ends it). On
   * subscribing, each chat streaming in the room comes first as a `chat:updated` holding its
   * text so far, with the subscription's cursor: the deltas after it continue that text.
   */
  'chat:delta': (e: ChatDelta) => void;
  'data:created': (e: LiveEvent<DataRep>) => void;
  'data:updated': (e: LiveEvent<DataRep>) => void;
  'data:deleted': (e: LiveEvent<{ id: string; chat: string | null; campaign: string | null }>) => void;
  'campaign:updated': (e: LiveEvent<CampaignFields>) => void;
  'campaign:deleted': (e: LiveEvent<{ id: string }>) => void;
  /**
   * This server lost events of the room before delivering them (it fell behind the log's
   * pruning) and has taken the socket out of it: subscribe again without `since` and
   * reload the history through REST.
   */
  'room:expired': (e: { campaign: string; code: 'cursor_expired'; message: string }) => void;
  /** Sent just before the server disconnects a socket whose token expired. */
  'auth:expired': (e: { message: string }) => void;
  'presence:join': (e: PresenceChange) => void;
  'presence:leave': (e: PresenceChange) => void;
  /** Another member of the room is typing, or stopped (never sent to the typer's own connections). */
  typing: (e: TypingEvent) => void;
}

/** Every event of the durable log a room receives, each `{cursor, campaign, data}` (and `chat:delta`, flat). */
export const LIVE_EVENT_NAMES = [
  'chat:created',
  'chat:updated',
  'chat:deleted',
  'data:created',
  'data:updated',
  'data:deleted',
  'campaign:updated',
  'campaign:deleted',
] as const satisfies readonly (keyof ServerToClientEvents)[];
