import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import {
  closeSockets,
  eventually,
  open,
  request,
  subscriber,
  type ClientSocket,
  type Received,
} from '../support/sockets';

let url: string;
let a: App, b: App, c: App;

beforeAll(async () => {
  url = await createTestDatabase();
  [a, b, c] = await Promise.all([startApp(url), startApp(url), startApp(url)]);
});
afterAll(async () => {
  closeSockets();
  await Promise.all([a, b, c].map((app) => app.stop()));
});

const names = (received: Received[]) => received.map((r) => `${r.name} ${r.event.data.id}`);
const has = (received: Received[], id: string) => received.some((r) => r.event.data.id === id);

describe('fan-out across instances', () => {
  it('a chat posted through REST on A reaches subscribers on B and C exactly once', async () => {
    const campaign = await createCampaign(a);
    const onB = await subscriber(b, campaign.id);
    const onC = await subscriber(c, campaign.id);
    const chat = await createChat(a, campaign.id, { message: 'hello rooms' });
    // a room's events arrive in order: with the next chat there, a duplicate would be too
    const sentinel = await createChat(a, campaign.id, { message: 'sentinel' });
    await eventually(() => has(onB.received, sentinel.id) && has(onC.received, sentinel.id));
    for (const { received } of [onB, onC]) {
      expect(received.slice(0, -1)).toEqual([
        { name: 'chat:created', event: { cursor: expect.any(String), campaign: campaign.id, data: chat } },
      ]);
      expect(names(received.slice(-1))).toEqual([`chat:created ${sentinel.id}`]);
    }
  });

  it('a chat inserted by plain SQL from another program reaches subscribers on every instance once', async () => {
    const campaign = await createCampaign(a);
    const subs = await Promise.all([a, b, c].map((app) => subscriber(app, campaign.id)));
    const insert = (message: string) =>
      sql<{ id: string }>(
        url,
        `INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'tool', $2) RETURNING id`,
        [campaign.id, message],
      ).then(([row]) => row.id);
    const id = await insert('from psql');
    const sentinel = await insert('sentinel'); // the same path, after it: a duplicate would come first
    await eventually(() => subs.every((s) => has(s.received, sentinel)));
    for (const s of subs) {
      expect(names(s.received)).toEqual([`chat:created ${id}`, `chat:created ${sentinel}`]);
      expect(s.received[0].event.data.message).toBe('from psql');
    }
  });

  it('updates and deletes of chats, datas and the campaign reach the room', async () => {
    const campaign = await createCampaign(a);
    const sub = await subscriber(b, campaign.id);
    const chat = await createChat(a, campaign.id);
    const data = (await api(a).post('/api/datas/').send({ chat: chat.id, context: 'only a chat' }).expect(201)).body;
    await api(a).patch(`/api/chats/${chat.id}/`).send({ message: 'edited' }).expect(200);
    await api(a).patch(`/api/campaigns/${campaign.id}/`).send({ status: 'started' }).expect(200);
    // delivered before the delete: a row already gone by delivery is skipped (its delete follows)
    await eventually(() => sub.received.length >= 4);
    await api(a).delete(`/api/campaigns/${campaign.id}/`).expect(204);
    await eventually(() => sub.received.length >= 7);
    expect(names(sub.received.slice(0, 4))).toEqual([
      `chat:created ${chat.id}`,
      `data:created ${data.id}`, // a data attached only to a chat reaches the chat's campaign
      `chat:updated ${chat.id}`,
      `campaign:updated ${campaign.id}`,
    ]);
    // the delete and its cascade, in the order Postgres ran them
    expect(names(sub.received.slice(4))).toEqual([
      `campaign:deleted ${campaign.id}`,
      `chat:deleted ${chat.id}`,
      `data:deleted ${data.id}`,
    ]);
    const dataDeleted = sub.received.find((r) => r.name === 'data:deleted');
    expect(dataDeleted?.event.data).toEqual({ id: data.id, chat: chat.id, campaign: null });
    const cursors = sub.received.map((r) => BigInt(r.event.cursor));
    expect([...cursors].sort((x, y) => (x < y ? -1 : 1))).toEqual(cursors);
  });

  it('a 1 MB message arrives complete', async () => {
    const campaign = await createCampaign(a);
    const sub = await subscriber(c, campaign.id);
    const message = 'x'.repeat(1_000_000 - 10) + 'end';
    await api(a).post('/api/chats/').send({ campaign: campaign.id, author: 'ai', message }).expect(201);
    await eventually(() => sub.received.length === 1);
    expect(sub.received[0].event.data.message).toBe(message);
  });

  it('100 concurrent writers: every subscriber gets every event once, in commit order', async () => {
    const campaign = await createCampaign(a);
    const subs = await Promise.all([a, b, c, a, b, c].map((app) => subscriber(app, campaign.id)));
    const apps = [a, b, c];
    const created = await Promise.all(
      Array.from({ length: 100 }, (_, i) => createChat(apps[i % 3], campaign.id, { message: `writer ${i}` })),
    );
    const sentinel = await createChat(a, campaign.id, { message: 'sentinel' });
    await eventually(() => subs.every((s) => has(s.received, sentinel.id)), 20_000, 'all 100 events and the sentinel');
    const log = await sql<{ entity_id: string }>(
      url,
      `SELECT entity_id FROM events WHERE campaign_id = $1 ORDER BY id`,
      [campaign.id],
    );
    const commitOrder = log.map((r) => r.entity_id);
    expect(new Set(commitOrder)).toEqual(new Set([...created, sentinel].map((x) => x.id)));
    for (const s of subs) {
      expect(s.received.map((r) => r.event.data.id)).toEqual(commitOrder);
    }
  }, 60_000);

  it('unsubscribe stops delivery, and another campaign never leaks into a room', async () => {
    const mine = await createCampaign(a);
    const other = await createCampaign(a);
    const sub = await subscriber(b, mine.id);
    await createChat(a, other.id, { message: 'not for you' });
    const first = await createChat(a, mine.id);
    await eventually(() => sub.received.length >= 1);
    const ack = await request(sub.socket, 'unsubscribe', { campaignId: mine.id });
    expect(ack).toEqual({ ok: true });
    // a room it is still in carries the sentinel: one instance delivers every room in commit order
    await sub.subscribe(other.id);
    await createChat(a, mine.id, { message: 'after unsubscribe' });
    const sentinel = await createChat(a, other.id, { message: 'sentinel' });
    await eventually(() => has(sub.received, sentinel.id));
    expect(names(sub.received)).toEqual([`chat:created ${first.id}`, `chat:created ${sentinel.id}`]);
  });
});

describe('socket requests', () => {
  let socket: ClientSocket;
  beforeAll(async () => {
    socket = (await open(a)).socket;
  });

  it('chat:create and data:create return the representation and reach the room', async () => {
    const campaign = await createCampaign(a);
    const sub = await subscriber(b, campaign.id);
    const ack = await request<{ data: { id: string } }>(socket, 'chat:create', {
      campaign: campaign.id,
      author: 'human',
      message: '  via socket ',
    });
    expect(ack).toEqual({
      ok: true,
      data: expect.objectContaining({ campaign: campaign.id, message: 'via socket', datas: [] }),
    });
    const dataAck = await request<{ data: { id: string } }>(socket, 'data:create', {
      campaign: campaign.id,
      context: 'c',
    });
    expect(dataAck.ok).toBe(true);
    await eventually(() => sub.received.length === 2);
    expect(sub.received.map((r) => r.name)).toEqual(['chat:created', 'data:created']);
  });

  it('bad payloads get error acknowledgements with the same field errors as REST', async () => {
    const campaign = await createCampaign(a);
    expect(await request(socket, 'chat:create', { campaign: campaign.id, author: 'bob', message: '' })).toEqual({
      ok: false,
      error: {
        code: 'invalid',
        message: 'Invalid input.',
        fields: { author: ['"bob" is not a valid choice.'], message: ['This field may not be blank.'] },
      },
    });
    expect(await request(socket, 'chat:create', 'not an object')).toMatchObject({
      ok: false,
      error: { code: 'invalid' },
    });
    expect(await request(socket, 'subscribe', { campaignId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { campaignId: [expect.any(String)] } },
    });
    expect(await request(socket, 'subscribe', { campaignId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await request(socket, 'subscribe', { campaignId: campaign.id, since: 'abc' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_cursor' },
    });
    expect(await request(socket, 'subscribe', { campaignId: campaign.id, since: '999999999999' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_cursor' },
    });
    expect(await request(socket, 'data:create', { chat: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { chat: [expect.stringContaining('does not exist')] } },
    });
    expect(socket.connected).toBe(true);
  });

  it('a since that no committed event carries is refused once the wait for it runs out', async () => {
    const quick = await startApp(url, { resumeWaitMs: 300 });
    const client = await open(quick);
    const campaign = await createCampaign(a);
    // an id handed out by the sequence but never committed (as by a rolled-back writer)
    const [{ id }] = await sql<{ id: string }>(url, `SELECT nextval('events_id_seq')::text AS id`);
    expect(await request(client.socket, 'subscribe', { campaignId: campaign.id, since: id })).toMatchObject({
      ok: false,
      error: { code: 'invalid_cursor' },
    });
    await quick.stop();
  });

  it('a since older than the retained log is refused, so the client reloads through REST', async () => {
    const campaign = await createCampaign(a);
    await createChat(a, campaign.id);
    await sql(url, `UPDATE events_pruned SET upto = (SELECT max(id) FROM events)`);
    try {
      expect(await request(socket, 'subscribe', { campaignId: campaign.id, since: '0' })).toMatchObject({
        ok: false,
        error: { code: 'cursor_expired' },
      });
    } finally {
      await sql(url, `UPDATE events_pruned SET upto = 0`);
    }
  });
});
