import { io as connect, type Socket } from 'socket.io-client';
import type { App } from '../../src/app';
import {
  LIVE_EVENT_NAMES,
  type Ack,
  type ChatDelta,
  type ChatRep,
  type ClientToServerEvents,
  type HandshakeAuth,
  type LiveEvent,
  type PresenceChange,
  type ServerToClientEvents,
  type SubscribeAck,
  type TypingEvent,
} from '../../src/protocol';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A live event (chat:created, data:deleted, …) as a socket received it. */
export interface Received {
  name: string;
  event: LiveEvent<{ id: string; message?: string }>;
}

/** A presence or typing event as a socket received it. */
export type Seen = { name: 'presence:join' | 'presence:leave'; e: PresenceChange } | { name: 'typing'; e: TypingEvent };

/**
 * Streamed chats as a subscriber rebuilds them, by the protocol's rules: a chat event sets
 * the text, a delta places its text at its offset. What the server must never send is
 * counted: a duplicate delta, one past the end (a gap), one overlapping the end.
 */
export interface StreamView {
  texts: Map<string, string>;
  statuses: Map<string, string>;
  deltas: ChatDelta[];
  duplicates: number;
  gaps: number;
  overlaps: number;
}

function followStreams(socket: ClientSocket): StreamView {
  const view: StreamView = { texts: new Map(), statuses: new Map(), deltas: [], duplicates: 0, gaps: 0, overlaps: 0 };
  const set = ({ data }: { data: ChatRep }) => {
    view.texts.set(data.id, data.message);
    view.statuses.set(data.id, data.status);
  };
  socket.on('chat:created', set);
  socket.on('chat:updated', set);
  socket.on('chat:delta', (d) => {
    view.deltas.push(d);
    const held = view.texts.get(d.id) ?? '';
    if (d.offset + d.text.length <= held.length) view.duplicates++;
    else if (d.offset > held.length) view.gaps++;
    else {
      if (d.offset < held.length) view.overlaps++;
      view.texts.set(d.id, held.slice(0, d.offset) + d.text);
    }
  });
  return view;
}

/** A real socket.io-client over loopback, recording everything the server sends it, in order. */
export interface TestSocket {
  socket: ClientSocket;
  /** Live events. */
  received: Received[];
  /** Streamed chats' texts as this socket rebuilt them. */
  streams: StreamView;
  /** Presence and typing events. */
  seen: Seen[];
  /** What it saw of one kind in one room, as `user` (presence) or `user:true|false` (typing). */
  of(name: Seen['name'], campaign: string): string[];
  /** Subscribes (resuming after `since`, when given); throws when refused. */
  subscribe(campaignId: string, since?: string): Promise<SubscribeAck>;
  close(): void;
}

/** Every socket open() connected in this test file and closeSockets() has not closed yet. */
const opened = new Set<ClientSocket>();

/**
 * Connects to `target` with handshake auth (`{ token }`, or `{ name }` in open mode) and
 * records what it receives; rejects with the connect_error. Close them all with
 * `afterEach(closeSockets)` (or in afterAll, where sockets outlive one test).
 */
export async function open(
  target: Pick<App, 'url'>,
  auth: HandshakeAuth = {},
  transports = ['websocket'],
): Promise<TestSocket> {
  const socket: ClientSocket = connect(target.url, { transports, reconnection: false, forceNew: true, auth });
  opened.add(socket);
  const received: Received[] = [];
  for (const name of LIVE_EVENT_NAMES) {
    socket.on(name, (event: Received['event']) => received.push({ name, event }));
  }
  const streams = followStreams(socket);
  const seen: Seen[] = [];
  socket.on('presence:join', (e) => seen.push({ name: 'presence:join', e }));
  socket.on('presence:leave', (e) => seen.push({ name: 'presence:leave', e }));
  socket.on('typing', (e) => seen.push({ name: 'typing', e }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => {
      close(socket);
      reject(err);
    });
  });
  return {
    socket,
    received,
    streams,
    seen,
    of: (name, campaign) =>
      seen
        .filter((s) => s.name === name && s.e.campaign === campaign)
        .map((s) => (s.name === 'typing' ? `${s.e.user}:${s.e.typing}` : s.e.user)),
    subscribe: (campaignId, since) => subscribe(socket, campaignId, since),
    close: () => close(socket),
  };
}

/** A socket subscribed to the campaign's room (with `auth`, where the app asks for a token). */
export async function subscriber(target: Pick<App, 'url'>, campaignId: string, auth: HandshakeAuth = {}) {
  const client = await open(target, auth);
  await client.subscribe(campaignId);
  return client;
}

function close(socket: ClientSocket): void {
  opened.delete(socket);
  socket.disconnect();
}

/** Closes every socket open() opened that is still open. */
export function closeSockets(): void {
  for (const socket of opened) close(socket);
}

/** Emits with an acknowledgement (and a deadline, so a missing ack fails the test). */
export function request<T extends object>(
  socket: ClientSocket,
  event: string,
  payload: unknown,
  timeoutMs = 10_000,
): Promise<Ack<T>> {
  return (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<T>> }).emitWithAck(
    event,
    payload,
  );
}

export async function subscribe(socket: ClientSocket, campaignId: string, since?: string): Promise<SubscribeAck> {
  const ack = await request<SubscribeAck>(socket, 'subscribe', { campaignId, since });
  if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
  return ack;
}

/**
 * Polls until `check` holds, or fails the test after the timeout. The check may be
 * asynchronous (a query, a page): each poll waits for the last one to answer.
 */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
  what = 'condition',
  everyMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A pause: for pacing and retry backoff only, never to prove that something did not happen. */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
