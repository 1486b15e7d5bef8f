import type { EventEmitter } from 'node:events';
import { requireScope, sees } from '../auth/principal';
import { NotFoundError } from '../errors';
import { SerialQueue } from '../lib/serial';
import type { ChangeEvent } from '../pubsub/event.store';
import type { Feed } from '../pubsub/feed';
import type { Presence } from '../presence/presence';
import type { Services } from '../services';
import type { SubscribeAck, SubscribeRequest } from '../protocol';
import { campaignRoom, roomCampaign } from './room.names';
import type { ChatSocket, RealtimeServer } from './socket.types';

const campaignNotFound = () => new NotFoundError('Campaign not found.');

type Emitter = { emit(name: ChangeEvent['name'], payload: never): unknown };

/** `{cursor, campaign, data}`; a delta is flat, `{cursor, campaign, id, offset, text}`. */
const emitEvent = (target: Emitter, e: ChangeEvent) =>
  target.emit(
    e.name,
    (e.name === 'chat:delta'
      ? { cursor: e.cursor, campaign: e.campaign, ...(e.data as object) }
      : { cursor: e.cursor, campaign: e.campaign, data: e.data }) as never,
  );

/** Emits a batch to this instance's own sockets; the in-memory adapter never crosses instances. */
export function deliverTo(io: RealtimeServer) {
  return (events: ChangeEvent[]): void => {
    for (const e of events) emitEvent(io.to(campaignRoom(e.campaign)), e);
  };
}

/** Tells every socket in a local campaign room that the room lost events, and takes it out. */
export function expireRooms(io: RealtimeServer) {
  return (): void => {
    const rooms = [...io.of('/').adapter.rooms.keys()].filter((room) => roomCampaign(room) !== undefined);
    for (const room of rooms) {
      const campaign = roomCampaign(room) as string;
      io.to(room).emit('room:expired', {
        campaign,
        code: 'cursor_expired',
        message: 'Events of this room were lost on this server; subscribe again and reload the history through REST.',
      });
      io.in(room).socketsLeave(room);
    }
  };
}

/**
 * Resolves once the connection has handed what it buffered to the transport (or closed),
 * so a replay sends its next chunk at the pace the client reads, not into memory.
 */
function flushed(socket: ChatSocket): Promise<void> {
  const conn = socket.conn as unknown as EventEmitter & { writeBuffer?: unknown[] };
  if (!socket.connected || !conn.writeBuffer?.length) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    conn.on('drain', done);
    conn.on('close', done);
  });
}

/**
 * The subscribe and unsubscribe handlers of one connection. They run one after another, in
 * the order sent: a client resubscribing its rooms after a reconnect waits its turn, a
 * connection never holds more than one replay, and an unsubscribe sent right after a
 * subscribe leaves the room that subscribe joins.
 */
export function roomSubscriber(socket: ChatSocket, services: Services, feed: Feed, presence: Presence) {
  const turns = new SerialQueue();
  return {
    subscribe: (req: SubscribeRequest) => turns.run(() => subscribeOnce(socket, services, feed, presence, req)),
    unsubscribe: (campaignId: string) => turns.run(async () => socket.leave(campaignRoom(campaignId))),
  };
}

async function subscribeOnce(
  socket: ChatSocket,
  services: Services,
  feed: Feed,
  presence: Presence,
  req: SubscribeRequest,
): Promise<SubscribeAck> {
  const { campaignId, since } = req;
  // the token may have been refreshed to fewer campaigns while this waited
  const stillWanted = () => {
    if (!socket.connected || !sees(socket.data.principal, campaignId)) throw campaignNotFound();
  };
  stillWanted();
  const p = socket.data.principal;
  if (!(await services.campaigns.visible(campaignId, p))) throw campaignNotFound();
  requireScope(p, 'read');
  let replayed = 0;
  const emitAll = (events: ChangeEvent[]) => {
    stillWanted();
    for (const e of events) emitEvent(socket, e);
    replayed += events.length;
  };
  // who is in the room is read before the socket joins it (joining is when it enters presence)
  const release = await presence.prepare(campaignId);
  try {
    const cursor = await feed.subscribe(campaignId, since, {
      send: (events) => (emitAll(events), flushed(socket)),
      join: (tail) => {
        emitAll(tail);
        void socket.join(campaignRoom(campaignId));
      },
    });
    // the ack waits for this connection's row: whoever subscribes after it, on any instance, sees it
    await presence.written();
    // taken as the ack leaves: it includes every presence event sent to the socket before it
    return { cursor, replayed, presence: presence.list(campaignId) };
  } finally {
    release();
  }
}
