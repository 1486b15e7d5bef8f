import type { ClientState, RoomState } from './types';

/** What a room's state follows from; each fact is set where it becomes true, the state only here. */
export interface RoomFacts {
  closed: boolean;
  /** The current connection has an acknowledged subscription. */
  subscribed: boolean;
  /** The cursor expired: the history is being reloaded into a new timeline. */
  resetting: boolean;
  /** The room was live once: a later loss is recovery, not a first connect. */
  wasLive: boolean;
}

/**
 * Every transition of a room, in one place:
 * connecting → live (first subscribe acknowledged) → recovering (connection lost, or cursor
 * expired) → live (resumed, or history reloaded) …; any → closed.
 */
export function roomState(f: RoomFacts): RoomState {
  if (f.closed) return 'closed';
  if (f.subscribed && !f.resetting) return 'live';
  return f.wasLive || f.resetting ? 'recovering' : 'connecting';
}

export interface ClientFacts {
  closed: boolean;
  connected: boolean;
  wasConnected: boolean;
}

/** The connection's transitions: connecting → live ⇄ recovering; any → closed. */
export function clientState(f: ClientFacts): ClientState {
  if (f.closed) return 'closed';
  if (f.connected) return 'live';
  return f.wasConnected ? 'recovering' : 'connecting';
}

/** Jittered exponential backoff (±50 %), as Socket.IO's manager does for its reconnects. */
export const backoff = (attempt: number, baseMs = 500, maxMs = 10_000): number =>
  Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20)) * (0.5 + Math.random());
