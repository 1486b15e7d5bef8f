import { ChatClient } from '../../src/client';
import type { ChatClientOptions, RoomEvent } from '../../src/client';
import { sql } from '../support/db';

/** A client that reconnects quickly, as tests need; closed by closeClients(). */
const clients: ChatClient[] = [];
export function chatClient(opts: ChatClientOptions): ChatClient {
  const client = new ChatClient({ reconnectionDelay: 100, reconnectionDelayMax: 1000, ...opts });
  clients.push(client);
  return client;
}
export const closeClients = () => clients.splice(0).forEach((c) => c.close());

/** The database's chats of a campaign in the history order: what room.chats must equal. */
export const dbChats = (url: string, campaign: string) =>
  sql<{ id: string }>(url, 'SELECT id FROM chats WHERE campaign_id = $1 ORDER BY created_at, id', [campaign]).then(
    (rows) => rows.map((r) => r.id),
  );

/** The campaign's chat creations in commit order, from the events log: what the 'event' stream must equal. */
export const committedChats = (url: string, campaign: string) =>
  sql<{ entity_id: string }>(
    url,
    `SELECT entity_id FROM events WHERE campaign_id = $1 AND entity = 'chat' AND op = 'created' ORDER BY id`,
    [campaign],
  ).then((rows) => rows.map((r) => r.entity_id));

export const createdIds = (events: RoomEvent[]) =>
  events.filter((e) => e.name === 'chat:created').map((e) => e.data.id);

/** Cursors strictly increasing: every event once, in commit order. */
export const inCommitOrder = (events: RoomEvent[]) =>
  events.every((e, i) => i === 0 || BigInt(e.cursor) > BigInt(events[i - 1].cursor));
