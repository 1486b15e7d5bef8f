import type { ClientState, RoomState } from './types';

/**
 * The client's two state machines, the room's and the connection's: their inputs, their
 * transitions and their states, here and nowhere else. Each input is sent by the one method
 * that sees it happen; a transition never runs inside a callback of another.
 *
 * A room, with the input that moves it (any input to `closed` changes nothing):
 *
 *   state       subscribed          lost        expired      reloaded            close
 *   connecting  live                connecting  recovering   —                   closed
 *   live        live                recovering  recovering   live                closed
 *   recovering  live unless         recovering  recovering   live if subscribed  closed
 *               reloading
 */
export type RoomInput =
  /** The server acknowledged a subscribe on the current connection. */
  | 'subscribed'
  /** The connection was lost: its subscription with it. */
  | 'lost'
  /** The cursor expired: a fresh subscribe goes, and the history reloads into a new timeline. */
  | 'expired'
  /** The reloaded timeline replaced the shown one. */
  | 'reloaded'
  /** Closed by the caller, or refused for good. */
  | 'close';

/** What a room's state follows from; only `roomStep` changes them. */
export interface RoomFacts {
  closed: boolean;
  /** The current connection has an acknowledged subscription. */
  subscribed: boolean;
  /** The cursor expired: the history is being reloaded into a new timeline. */
  resetting: boolean;
  /** The room was live once: a later loss is recovery, not a first connect. */
  wasLive: boolean;
}

export const INITIAL_ROOM: Readonly<RoomFacts> = { closed: false, subscribed: false, resetting: false, wasLive: false };

/** The room's state in these facts. */
export function roomState(f: Readonly<RoomFacts>): RoomState {
  if (f.closed) return 'closed';
  if (f.subscribed && !f.resetting) return 'live';
  return f.wasLive || f.resetting ? 'recovering' : 'connecting';
}

/** Every transition of a room: the facts after `input`. Closed is final. */
export function roomStep(f: Readonly<RoomFacts>, input: RoomInput): Readonly<RoomFacts> {
  if (f.closed) return f;
  const next = { ...f, ...ROOM_CHANGES[input] };
  if (roomState(next) === 'live') next.wasLive = true;
  return next;
}

const ROOM_CHANGES: Record<RoomInput, Partial<RoomFacts>> = {
  subscribed: { subscribed: true },
  lost: { subscribed: false },
  // the subscription ends with its cursor: the room is not subscribed until the fresh one answers
  expired: { subscribed: false, resetting: true },
  reloaded: { resetting: false },
  close: { closed: true, subscribed: false },
};

/**
 * The connection's inputs. Its transitions: connecting → live (connected) ⇄ recovering
 * (disconnected → connected); any → closed.
 */
export type ClientInput = 'connected' | 'disconnected' | 'close';

export interface ClientFacts {
  closed: boolean;
  connected: boolean;
  wasConnected: boolean;
}

export const INITIAL_CLIENT: Readonly<ClientFacts> = { closed: false, connected: false, wasConnected: false };

export function clientState(f: Readonly<ClientFacts>): ClientState {
  if (f.closed) return 'closed';
  if (f.connected) return 'live';
  return f.wasConnected ? 'recovering' : 'connecting';
}

/** Every transition of the connection: the facts after `input`. Closed is final. */
export function clientStep(f: Readonly<ClientFacts>, input: ClientInput): Readonly<ClientFacts> {
  if (f.closed) return f;
  if (input === 'connected') return { ...f, connected: true, wasConnected: true };
  return { ...f, connected: false, closed: input === 'close' };
}
