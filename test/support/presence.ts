import { io as connect } from 'socket.io-client';
import type { App } from '../../src/app';
import type { HandshakeAuth, PresenceChange, SubscribeAck, TypingEvent } from '../../src/protocol';
import { request, type ClientSocket } from './sockets';

export type Seen = { name: 'presence:join' | 'presence:leave'; e: PresenceChange } | { name: 'typing'; e: TypingEvent };

/** A member's connection that records the presence and typing events it receives, in order. */
export interface MemberSocket {
  socket: ClientSocket;
  seen: Seen[];
  /** What it saw of one kind in one room, as `user` (presence) or `user:true|false` (typing). */
  of(name: Seen['name'], campaign: string): string[];
  subscribe(campaignId: string): Promise<SubscribeAck>;
  close(): void;
}

/** Connects with `auth` (a name in open mode, a token otherwise); rejects with the connect_error. */
export async function member(app: Pick<App, 'url'>, auth: HandshakeAuth = {}): Promise<MemberSocket> {
  const socket: ClientSocket = connect(app.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth,
  });
  const seen: Seen[] = [];
  socket.on('presence:join', (e) => seen.push({ name: 'presence:join', e }));
  socket.on('presence:leave', (e) => seen.push({ name: 'presence:leave', e }));
  socket.on('typing', (e) => seen.push({ name: 'typing', e }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', (err) => (socket.close(), reject(err)));
  });
  return {
    socket,
    seen,
    of: (name, campaign) =>
      seen
        .filter((s) => s.name === name && s.e.campaign === campaign)
        .map((s) => (s.name === 'typing' ? `${s.e.user}:${s.e.typing}` : s.e.user)),
    async subscribe(campaignId) {
      const ack = await request<SubscribeAck>(socket, 'subscribe', { campaignId });
      if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
      return ack;
    },
    close: () => void socket.disconnect(),
  };
}

/** A room's presence as `user×connections`, sorted: comparable at a glance. */
export const roster = (entries: { user: string; connections: number }[]): string[] =>
  entries.map((e) => `${e.user}×${e.connections}`).sort();
