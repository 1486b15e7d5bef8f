import { io as connect, type Socket } from 'socket.io-client';
import type { App } from '../../src/app';
import {
  LIVE_EVENT_NAMES,
  type Ack,
  type ClientToServerEvents,
  type LiveEvent,
  type ServerToClientEvents,
} from '../../src/protocol';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface Received {
  name: string;
  event: LiveEvent<{ id: string; message?: string }>;
}

const EVENT_NAMES = LIVE_EVENT_NAMES;

/** Connects with an optional token; resolves the socket, or rejects with the connect_error. */
export function connectWithToken(app: App, token?: string): Promise<ClientSocket> {
  const socket: ClientSocket = connect(app.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: token ? { token } : {},
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(err);
    });
  });
}

/** A real socket.io-client over loopback, recording every live event it receives. */
export async function openClient(app: Pick<App, 'url'>): Promise<{ socket: ClientSocket; received: Received[] }> {
  const socket: ClientSocket = connect(app.url, { transports: ['websocket'], reconnection: false, forceNew: true });
  const received: Received[] = [];
  for (const name of EVENT_NAMES) {
    socket.on(name, (event: LiveEvent<{ id: string }>) => received.push({ name, event }));
  }
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return { socket, received };
}

/** Emits with an acknowledgement (and a deadline, so a missing ack fails the test). */
export function request<T extends object>(socket: ClientSocket, event: string, payload: unknown): Promise<Ack<T>> {
  return (socket.timeout(10_000) as unknown as { emitWithAck(e: string, p: unknown): Promise<Ack<T>> }).emitWithAck(
    event,
    payload,
  );
}

export async function subscribe(socket: ClientSocket, campaignId: string, since?: string) {
  const ack = await request<{ cursor: string; replayed: number }>(socket, 'subscribe', { campaignId, since });
  if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
  return ack;
}

/** Polls until the predicate holds (or fails the test after the timeout). */
export async function eventually(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
