import type { ChatDelta, ChatRep, PresenceEntry, ServerToClientEvents, TypingEvent } from '../protocol';
import type { ChatError } from './errors';

/** The room events the server sends, each `{cursor, campaign, data}` (the durable ones, with a cursor). */
export type LiveEventName = {
  [K in keyof ServerToClientEvents]: Parameters<ServerToClientEvents[K]>[0] extends { cursor: string; data: unknown }
    ? K
    : never;
}[keyof ServerToClientEvents];

/** The payload of a live event by name. */
export type LivePayload<N extends LiveEventName> = Parameters<ServerToClientEvents[N]>[0];

/** What `'event'` gives: every live event of the room, in commit order, once. */
export type RoomEvent = { [N in LiveEventName]: { name: N } & LivePayload<N> }[LiveEventName];

/**
 * - `connecting`: not subscribed yet;
 * - `live`: subscribed, every event is arriving;
 * - `recovering`: the connection was lost, or the history is being reloaded after the cursor
 *   expired; events missed meanwhile will arrive (or a `'reset'` says the list was reloaded);
 * - `closed`: closed by the caller, or refused for good (see `'error'`).
 */
export type RoomState = 'connecting' | 'live' | 'recovering' | 'closed';

/** The connection's state, with the same names. */
export type ClientState = RoomState;

type LiveListeners = {
  [N in LiveEventName]: (data: LivePayload<N>['data'], event: Extract<RoomEvent, { name: N }>) => void;
};

export interface RoomEvents extends LiveListeners {
  event: (event: RoomEvent) => void;
  /** A streaming chat grew: the chat as it is now, and the delta (for UIs that animate). Also a 'change'. */
  'chat:delta': (chat: ChatRep, delta: ChatDelta) => void;
  /** `chats` were replaced by a fresh history load (the cursor expired): render them anew. */
  reset: () => void;
  state: (state: RoomState) => void;
  /** After a batch of changes to `chats` (at most once per tick). */
  change: (chats: readonly ChatRep[]) => void;
  /** After each change to `presence` (a subscribe answer, a join, a leave), with the current list. */
  presence: (presence: readonly PresenceEntry[]) => void;
  /** Another member is typing, or stopped (also when its `true` expired here unrefreshed). */
  typing: (event: TypingEvent) => void;
  error: (error: ChatError) => void;
}

export interface ClientEvents {
  state: (state: ClientState) => void;
  error: (error: ChatError) => void;
}

/** A token, or a function that gets one (called on each connect and before the token expires). */
export type TokenSource = string | (() => string | Promise<string>);

export interface ChatClientOptions {
  /** The server's origin, e.g. `http://localhost:3000`. */
  url: string;
  token?: TokenSource;
  /**
   * Who this client is in presence and typing where the server runs without tokens (open
   * mode): sent as the handshake's `auth: {name}`, trimmed by the server, at most 64
   * characters (a longer one is refused). With a token, the member is its `sub` instead.
   */
  name?: string;
  /** Socket.IO transports; Socket.IO's default (polling, then WebSocket) unless given. */
  transports?: ('polling' | 'websocket')[];
  /** How long a socket request waits for its acknowledgement (default 20 s). */
  ackTimeoutMs?: number;
  /** Chats per history page when `loadLatest`/`loadOlder` are given no size (default 50, at most 100). */
  pageSize?: number;
  /** Socket.IO's reconnection backoff (defaults 500 ms to 10 s, jittered ±50 %). */
  reconnectionDelay?: number;
  reconnectionDelayMax?: number;
  /** The fetch to use for REST (default: the global one). */
  fetch?: typeof fetch;
}
