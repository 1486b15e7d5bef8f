/** Regression tests, each named after what broke (found in review). */
import { Client } from 'pg';
import type { App } from '../src/app';
import { OPEN_PRINCIPAL } from '../src/auth/principal';
import { createChatHistoryService } from '../src/services/chat-history.service';
import { startApp, testConfig } from './support/app';
import { createTestDatabase, sql } from './support/db';
import { api } from './support/http';
import { closeSockets, eventually, open, request, sleep, subscriber, type Received } from './support/sockets';
import { bearer, jwtConfig, token } from './support/tokens';

let url: string;
let app: App; // open mode
let secured: App; // JWT mode
let admin: Record<string, string>;
beforeAll(async () => {
  url = await createTestDatabase();
  [app, secured] = await Promise.all([
    startApp(url),
    startApp(url, {
      ...jwtConfig(),
      rateLimits: { ...testConfig(url).rateLimits, socketConnectionsPerIp: 3 },
    }),
  ]);
  admin = bearer(await token({ sub: 'root', scope: 'admin' }));
});
afterEach(closeSockets);
afterAll(() => Promise.all([app.stop(), secured.stop()]));

const campaign = async () =>
  (await api(app).post('/api/campaigns/').send({ title: 'c' }).expect(201)).body.id as string;
const chat = async (campaignId: string, message = 'm') =>
  (await api(app).post('/api/chats/').send({ campaign: campaignId, author: 'human', message }).expect(201)).body as {
    id: string;
  };
const has = (received: Received[], id: string) => received.some((r) => r.event.data.id === id);

it('moving a chat to another campaign succeeds: the old room sees it go, the new one sees it arrive', async () => {
  const [a, b] = [await campaign(), await campaign()];
  const onA = await subscriber(app, a);
  const onB = await subscriber(app, b);
  const moved = await chat(a);
  // delivered before the move: a row that has moved on by delivery is skipped in its old room
  await eventually(() => onA.received.length === 1);
  await api(app).patch(`/api/chats/${moved.id}/`).send({ campaign: b }).expect(200);
  await eventually(() => onA.received.length >= 2 && onB.received.length >= 1);
  expect(onA.received.map((r) => r.name)).toEqual(['chat:created', 'chat:deleted']);
  expect(onB.received.map((r) => [r.name, r.event.data.id])).toEqual([['chat:updated', moved.id]]);
});

it('a replay never shows a room the current state of a row that moved to another campaign', async () => {
  const [a, b] = [await campaign(), await campaign()];
  const first = await subscriber(app, a);
  await chat(a, 'anchor');
  await eventually(() => first.received.length === 1);
  const since = first.received[0].event.cursor;
  first.close();
  const data = (await api(app).post('/api/datas/').send({ campaign: a, context: 'public' }).expect(201)).body;
  await api(app).patch(`/api/datas/${data.id}/`).send({ campaign: b }).expect(200);
  await api(app).patch(`/api/datas/${data.id}/`).send({ context: 'SECRET of B' }).expect(200);
  const back = await open(app);
  await back.subscribe(a, since);
  // replayed, or live if the feed was behind; either way before the sentinel, written after it
  const sentinel = await chat(a, 'sentinel');
  await eventually(() => has(back.received, sentinel.id));
  expect(JSON.stringify(back.received)).not.toContain('SECRET');
  expect(back.received.map((r) => r.name)).toEqual(['data:deleted', 'chat:created']);
});

it('refused handshakes do not use up the per-IP connection allowance', async () => {
  for (let i = 0; i < 5; i++) await expect(open(secured, { token: 'bad' })).rejects.toThrow();
  const good = await open(secured, { token: await token({}) });
  expect(good.socket.connected).toBe(true);
});

it('a token valid for 30 days is not disconnected at once', async () => {
  const room = await campaign();
  // a subscribe and a chat take many event-loop turns: an expiry "at once" would have cut it off
  const s = await subscriber(secured, room, { token: await token({ ttl: '30d' }) });
  const written = await chat(room);
  await eventually(() => has(s.received, written.id));
  expect(s.socket.connected).toBe(true);
});

it('auth:refresh to fewer campaigns racing a subscribe never leaves the socket in the revoked room', async () => {
  const [a, b] = [await campaign(), await campaign()];
  const s = await open(secured, { token: await token({ campaigns: [a, b] }) });
  await Promise.all([
    request(s.socket, 'subscribe', { campaignId: b }),
    request(s.socket, 'auth:refresh', { token: await token({ campaigns: [a] }) }),
  ]);
  // the sentinel, in a room it may still see: one instance delivers every room in commit order
  await s.subscribe(a);
  await chat(b);
  const sentinel = await chat(a);
  await eventually(() => has(s.received, sentinel.id));
  expect(s.received.map((r) => r.event.campaign)).toEqual([a]);
});

it('history cursors Postgres would reject are a 400, not a 500', async () => {
  const a = await campaign();
  for (const ts of ['foo 2020', '2020-02-30T00:00:00.000Z', '1 2', '99999', '-000001-01-01T00:00:00Z']) {
    const cursor = Buffer.from(`${ts}|00000000-0000-4000-8000-000000000000`).toString('base64url');
    await api(app).get(`/api/campaigns/${a}/chats/?after=${cursor}`).expect(400);
  }
});

/** The newest page (or the page after a cursor) as a history service with this grace sees it. */
const history = (campaignId: string, lateWriterGraceMs: number, after?: string) =>
  createChatHistoryService(app.database.sql, { lateWriterGraceMs })
    .page(campaignId, { after }, OPEN_PRINCIPAL)
    .then((p) => p.results.map((j) => JSON.parse(j).message as string));

it('polling history with after never skips a chat whose transaction committed late', async () => {
  const a = await campaign();
  const first = await chat(a, 'first');
  const late = new Client({ connectionString: url });
  await late.connect();
  await late.query('BEGIN');
  await late.query(`INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'human', 'late')`, [a]);
  await sleep(20);
  await chat(a, 'second');
  const poll = async (after: string) =>
    (await api(app).get(`/api/campaigns/${a}/chats/?after=${after}`).expect(200)).body as {
      results: { message: string }[];
      next: string;
    };
  const before = await poll(first.id);
  expect(before.results.map((r) => r.message)).toEqual([]); // "second" waits behind the open transaction
  expect(await history(a, 0, first.id)).toEqual([]); // having written, it holds the page back past any grace
  await late.query('COMMIT');
  await late.end();
  const after = await poll(first.id);
  expect(after.results.map((r) => r.message)).toEqual(['late', 'second']);
});

it('a long read-only transaction (a backup, a report) does not hold back the newest chats', async () => {
  const a = await campaign();
  const reader = new Client({ connectionString: url });
  await reader.connect();
  try {
    await reader.query('BEGIN; SELECT count(*) FROM chats');
    await chat(a, 'after the reader began');
    expect(await history(a, 60_000)).toEqual([]); // young, it might still write with its earlier start
    expect(await history(a, 0)).toEqual(['after the reader began']); // past the grace it holds nothing back
  } finally {
    await reader.end();
  }
});

it('a transaction waiting on a lock holds the newest page back however long it waits', async () => {
  const a = await campaign();
  const [holder, waiter] = [new Client({ connectionString: url }), new Client({ connectionString: url })];
  await Promise.all([holder.connect(), waiter.connect()]);
  try {
    await holder.query('SELECT pg_advisory_lock(4711)');
    await waiter.query('BEGIN');
    const waiting = waiter.query('SELECT pg_advisory_lock(4711)'); // then it may insert, with its start time
    const pid = (waiter as unknown as { processID: number }).processID;
    await eventually(
      async () =>
        (
          await sql<{ waits: boolean }>(
            url,
            `SELECT wait_event_type = 'Lock' AS waits FROM pg_stat_activity WHERE pid = $1`,
            [pid],
          )
        )[0].waits,
      15_000,
      'the waiter to wait on the lock',
    );
    await chat(a, 'behind the waiter');
    expect(await history(a, 0)).toEqual([]);
    await holder.query('SELECT pg_advisory_unlock(4711)');
    await waiting;
    await waiter.query('ROLLBACK');
    expect(await history(a, 0)).toEqual(['behind the waiter']);
  } finally {
    await Promise.all([holder.end(), waiter.end()]);
  }
});

it('a token without the read scope cannot read through REST', async () => {
  const noScope = bearer(await token({ scope: '' }));
  await api(secured).get('/api/campaigns/').set(noScope).expect(403);
});

it('upper-case ids are the same ids for a token limited to that campaign', async () => {
  const a = (await api(secured).post('/api/campaigns/').set(admin).send({ title: 'A' }).expect(201)).body.id as string;
  const writer = bearer(await token({ scope: 'write', campaigns: [a] }));
  await api(secured).patch(`/api/campaigns/${a.toUpperCase()}/`).set(writer).send({ status: 'started' }).expect(200);
  await api(secured).get(`/api/campaigns/${a.toUpperCase()}/chats/`).set(writer).expect(200);
});

it('a malformed Host header is a 400, and a malformed percent-escape in an id a 404', async () => {
  await api(app).get('/api/').set('Host', 'a b').expect(400);
  await api(app).get('/api/chats/%E0%A4%A/').expect(404);
});

it('a socket event without a payload, or with an unknown name, still gets an acknowledgement', async () => {
  const { socket } = await open(app);
  const noPayload = await (socket.timeout(2000) as unknown as { emitWithAck(e: string): Promise<unknown> }).emitWithAck(
    'subscribe',
  );
  expect(noPayload).toMatchObject({ ok: false, error: { code: 'invalid' } });
  expect(await request(socket, 'no:such:event', {})).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
});

it('an unsubscribe sent right after a subscribe leaves the room that subscribe joined', async () => {
  const [room, beacon] = [await campaign(), await campaign()];
  const c = await open(app);
  // not awaited in between: the subscribe's replay may still be running when unsubscribe arrives
  const [subscribed, unsubscribed] = await Promise.all([
    request(c.socket, 'subscribe', { campaignId: room, since: '0' }),
    request(c.socket, 'unsubscribe', { campaignId: room }),
  ]);
  expect([subscribed.ok, unsubscribed.ok]).toEqual([true, true]);
  // the sentinel, in a room it is in: one instance delivers every room in commit order
  await c.subscribe(beacon);
  await chat(room, 'after');
  const sentinel = await chat(beacon, 'sentinel');
  await eventually(() => has(c.received, sentinel.id));
  expect(c.received.map((r) => r.event.data.id)).toEqual([sentinel.id]);
});

it('a subscribed client loading the newest page (?live=1) gets a chat committed while an older transaction is open', async () => {
  const a = await campaign();
  const writer = new Client({ connectionString: url });
  await writer.connect();
  try {
    // an open writing transaction that began before the chat: the newest page holds the chat back
    await writer.query(`BEGIN; INSERT INTO campaigns (title) VALUES ('open')`);
    const committed = await chat(a, 'committed meanwhile');
    const page = (live?: string) =>
      api(app)
        .get(`/api/campaigns/${a}/chats/`)
        .query({ limit: 10, ...(live && { live }) })
        .expect(200)
        .then((r) => r.body.results.map((c: { id: string }) => c.id));
    expect(await page()).toEqual([]);
    // a room subscriber would never get it live (it committed before the subscription): it must be here
    expect(await page('1')).toEqual([committed.id]);
    expect(await page('true')).toEqual([committed.id]);
  } finally {
    await writer.query('ROLLBACK');
    await writer.end();
  }
});
