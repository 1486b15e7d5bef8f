import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign, createChat, createData } from '../support/http';
import { startPgBouncer, type Bouncer } from '../support/pgbouncer';
import { eventually } from '../support/sockets';

const DEADLINE_MS = 1_000;

/** Another program holding a row lock, as a long transaction or a migration would. */
async function lockRow(url: string, table: string, id: string): Promise<Client> {
  const holder = new Client({ connectionString: url });
  await holder.connect();
  await holder.query('BEGIN');
  await holder.query(`SELECT 1 FROM ${table} WHERE id = $1 FOR UPDATE`, [id]);
  return holder;
}

async function release(holder: Client): Promise<void> {
  await holder.query('ROLLBACK');
  await holder.end();
}

/** Backends of this database waiting on a lock, but the holder's. */
const lockWaiters = async (url: string): Promise<number> =>
  (
    await sql<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )
  )[0].n;

const writes = [
  { name: 'PATCH a campaign', table: 'campaigns', method: 'patch', body: { title: 'moved' } },
  { name: 'PUT a campaign', table: 'campaigns', method: 'put', body: { title: 'moved' } },
  { name: 'DELETE a campaign', table: 'campaigns', method: 'delete', body: undefined },
  { name: 'PATCH a chat', table: 'chats', method: 'patch', body: { message: 'edited' } },
  { name: 'DELETE a chat', table: 'chats', method: 'delete', body: undefined },
  { name: 'PATCH a data', table: 'datas', method: 'patch', body: { context: 'edited' } },
  { name: 'DELETE a data', table: 'datas', method: 'delete', body: undefined },
] as const;

describe.each([
  ['directly', 'session'],
  ['through a transaction pooler', 'transaction'],
] as const)('a row another program holds locked, %s', (_how, mode) => {
  let direct: string;
  let bouncer: Bouncer | undefined;
  let app: App;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    direct = await createTestDatabase();
    bouncer = mode === 'transaction' ? await startPgBouncer(direct, 'transaction') : undefined;
    const url = bouncer?.url ?? direct;
    app = await startApp(url, {
      statementTimeoutMs: DEADLINE_MS,
      ...(bouncer && { listenDatabaseUrl: direct, databasePoolMode: 'transaction' as const }),
    });
  }, 30_000);
  afterAll(async () => {
    await app?.stop();
    await bouncer?.stop();
  });
  beforeEach(async () => {
    const campaign = await createCampaign(app, { title: 'locked' });
    const chat = await createChat(app, campaign.id);
    const data = await createData(app, { campaign: campaign.id, context: 'x' });
    Object.assign(ids, { campaigns: campaign.id, chats: chat.id, datas: data.id });
  });

  it.each(writes)('$name answers 503 within the deadline, and leaves nothing waiting', async (write) => {
    const holder = await lockRow(direct, write.table, ids[write.table]);
    try {
      const started = Date.now();
      const req = api(app)[write.method](`/api/${write.table}/${ids[write.table]}/`);
      const res = await (write.body ? req.send(write.body) : req);
      // the deadline is the behaviour under test: a generous second on top of it
      expect(Date.now() - started).toBeLessThan(DEADLINE_MS + 1_000);
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ detail: expect.stringMatching(/took too long/) });
      expect(res.headers['retry-after']).toBe('1');
      expect(await lockWaiters(direct)).toBe(0);
    } finally {
      await release(holder);
    }
    // the row was left as it was, and the same write goes through once the lock is gone
    const after = api(app)[write.method](`/api/${write.table}/${ids[write.table]}/`);
    expect((await (write.body ? after.send(write.body) : after)).status).toBeLessThan(300);
  });
});

describe('a client that goes away while its write waits for a lock', () => {
  let url: string;
  let app: App;
  beforeAll(async () => {
    url = await createTestDatabase();
    // a deadline far away: only the cancel on disconnect can end the wait in time
    app = await startApp(url, { statementTimeoutMs: 60_000 });
  });
  afterAll(() => app?.stop());

  it.each([
    ['campaigns', { title: 'moved' }],
    ['chats', { message: 'edited' }],
    ['datas', { context: 'edited' }],
  ] as const)('leaves no statement of its PATCH of %s waiting in Postgres', async (table, body) => {
    const campaign = await createCampaign(app, { title: 'abandoned' });
    const row =
      table === 'campaigns'
        ? campaign
        : table === 'chats'
          ? await createChat(app, campaign.id)
          : await createData(app, { campaign: campaign.id });
    const holder = await lockRow(url, table, row.id);
    try {
      const payload = JSON.stringify(body);
      const req = httpRequest(`${app.url}/api/${table}/${row.id}/`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      req.on('error', () => undefined);
      req.end(payload);
      await eventually(async () => (await lockWaiters(url)) === 1, 10_000, 'the PATCH waits for the lock');
      req.destroy();
      await eventually(async () => (await lockWaiters(url)) === 0, 10_000, 'the PATCH is cancelled');
    } finally {
      await release(holder);
    }
    await api(app).get(`/api/${table}/${row.id}/`).expect(200);
  });
});
