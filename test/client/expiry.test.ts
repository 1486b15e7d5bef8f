import type { App } from '../../src/app';
import type { RoomState } from '../../src/client';
import { campaignRoom } from '../../src/realtime/room.names';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { portOf, startProxy, type TcpProxy } from '../support/proxy';
import { eventually } from '../support/sockets';
import { chatClient, closeClients } from './support';

let app: App;
let url: string;
let proxy: TcpProxy;
beforeAll(async () => {
  ({ app, url } = await freshApp({ eventRetentionHours: 0.0001 }));
  proxy = await startProxy(portOf(app.url));
});
afterAll(async () => {
  closeClients();
  await proxy.close();
  await app.stop();
});

/** The newest `n` chats in history order, as the history endpoint gives them. */
const newest = (campaign: string, n: number) =>
  sql<{ id: string; message: string }>(
    url,
    `SELECT id, message FROM (SELECT id, message, created_at FROM chats WHERE campaign_id = $1
     ORDER BY created_at DESC, id DESC LIMIT $2) t ORDER BY created_at, id`,
    [campaign, n],
  );

/** What the pruning timer does after EVENT_RETENTION_HOURS, now: the whole log is gone. */
const pruneEverything = () =>
  sql(
    url,
    `WITH gone AS (DELETE FROM events RETURNING id)
     UPDATE events_pruned SET upto = greatest(upto, (SELECT max(id) FROM gone)) WHERE EXISTS (SELECT 1 FROM gone)`,
  );

it('a client offline past the retention gets a reset and the correct timeline, then goes on live', async () => {
  const campaign = await createCampaign(app);
  const early = await createChat(app, campaign.id, { message: 'early' });
  const client = chatClient({ url: proxy.url });
  const room = client.room(campaign.id);
  const states: RoomState[] = [];
  room.on('state', (s) => states.push(s));
  let resets = 0;
  room.on('reset', () => resets++);
  await room.loadLatest(10);
  await createChat(app, campaign.id, { message: 'live' });
  await eventually(() => room.chats.length === 2);

  proxy.refuse(true);
  proxy.cut();
  await eventually(() => room.state === 'recovering');
  for (let i = 0; i < 15; i++) await createChat(app, campaign.id, { message: `offline ${i}` });
  await api(app).delete(`/api/chats/${early.id}/`).expect(204);
  await pruneEverything();
  proxy.refuse(false);

  await eventually(() => resets === 1, 15_000, 'the reset');
  const expected = await newest(campaign.id, 10);
  expect(room.chats.map((c) => c.message)).toEqual(expected.map((c) => c.message));
  expect(room.chats.some((c) => c.id === early.id)).toBe(false);
  expect(room.state).toBe('live');
  expect(states).toEqual(['live', 'recovering', 'live']);

  await createChat(app, campaign.id, { message: 'after the reset' });
  await eventually(() => room.chats.at(-1)?.message === 'after the reset');
  expect(room.chats).toHaveLength(11);
});

it("'room:expired' (the instance's feed fell behind pruning) resets the room the same way", async () => {
  const campaign = await createCampaign(app);
  const client = chatClient({ url: app.url });
  const room = client.room(campaign.id);
  await room.loadLatest(5);
  let resets = 0;
  room.on('reset', () => resets++);
  for (let i = 0; i < 8; i++) await createChat(app, campaign.id, { message: `m${i}` });
  await eventually(() => room.chats.length === 8);

  // what the server does: the socket leaves the room, and is told so
  app.io.in(campaignRoom(campaign.id)).socketsLeave(campaignRoom(campaign.id));
  app.io.emit('room:expired', { campaign: campaign.id, code: 'cursor_expired', message: 'The feed fell behind.' });
  await eventually(() => resets === 1, 15_000, 'the reset');
  expect(room.chats.map((c) => c.message)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);

  await createChat(app, campaign.id, { message: 'still live' });
  await eventually(() => room.chats.at(-1)?.message === 'still live', 10_000, 'live after the reset');
});
