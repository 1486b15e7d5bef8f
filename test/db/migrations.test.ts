import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { migrationNames, sequelizeCli } from '../support/cli';
import { createEmptyDatabase, createTestDatabase, sql } from '../support/db';
import { api } from '../support/http';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const applied = async (url: string) =>
  (await sql<{ name: string }>(url, 'SELECT name FROM "SequelizeMeta" ORDER BY name')).map((r) => r.name);

const tableExists = async (url: string, table: string) =>
  (await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [table]))[0].t !== null;

/** Starts `count` instances at once; stops whichever started, then fails if any did not. */
async function startTogether(url: string, count: number, use: (apps: App[]) => Promise<void>): Promise<void> {
  const settled = await Promise.allSettled(
    Array.from({ length: count }, () => startApp(url, { migrateOnStart: true })),
  );
  const apps = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    await use(apps);
  } finally {
    await Promise.all(apps.map((a) => a.stop()));
  }
}

describe('migrations at start', () => {
  it('three instances starting at once on an empty database apply each migration exactly once', async () => {
    const url = await createEmptyDatabase();
    await startTogether(url, 3, async (apps) => {
      expect(await applied(url)).toEqual(migrationNames());
      for (const app of apps) await api(app).get('/api/campaigns/').expect(200);
      await api(apps[0]).post('/api/campaigns/').send({ title: 'After migrating' }).expect(201);
      expect((await api(apps[2]).get('/api/campaigns/')).body.count).toBe(1);
    });
  });

  it('an instance on a database sequelize-cli migrated finds nothing left to apply', async () => {
    const url = await createTestDatabase();
    const before = await applied(url);
    expect(before).toEqual(migrationNames());
    await startTogether(url, 1, async () => {
      expect(await applied(url)).toEqual(before);
    });
  });
});

describe('the schema in Postgres', () => {
  let url: string;
  beforeAll(async () => {
    url = await createTestDatabase();
  });

  const campaign = async (title = 'By SQL') =>
    (await sql<{ id: string }>(url, 'INSERT INTO campaigns (title) VALUES ($1) RETURNING id', [title]))[0].id;
  const chat = async (campaignId: string) =>
    (
      await sql<{ id: string }>(
        url,
        `INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'ai', 'by SQL') RETURNING id`,
        [campaignId],
      )
    )[0].id;
  const count = async (table: string, where: string, value: string) =>
    (await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table} WHERE ${where} = $1`, [value]))[0].n;

  it('gives rows written by plain SQL their ids, timestamps and defaults', async () => {
    const [k] = await sql(url, `INSERT INTO campaigns (title) VALUES ('Plain') RETURNING *`);
    expect(k).toEqual({
      id: expect.stringMatching(UUID),
      title: 'Plain',
      description: '',
      status: 'pending',
      created_at: expect.any(Date),
      updated_at: expect.any(Date),
    });
    expect(Math.abs((k.created_at as Date).getTime() - Date.now())).toBeLessThan(60_000);
    const [c] = await sql(url, `INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'ai', 'hi') RETURNING *`, [
      k.id,
    ]);
    expect(c).toMatchObject({ id: expect.stringMatching(UUID), created_at: expect.any(Date) });
    const [d] = await sql(url, 'INSERT INTO datas DEFAULT VALUES RETURNING *');
    expect(d).toEqual({ id: expect.stringMatching(UUID), context: '', image: '', chat_id: null, campaign_id: null });
  });

  it('advances updated_at on a plain SQL update', async () => {
    const id = await campaign();
    await new Promise((r) => setTimeout(r, 5));
    const [row] = await sql<{ created_at: Date; updated_at: Date }>(
      url,
      `UPDATE campaigns SET title = 'Renamed' WHERE id = $1 RETURNING created_at, updated_at`,
      [id],
    );
    expect(row.updated_at.getTime()).toBeGreaterThan(row.created_at.getTime());
  });

  it('refuses a campaign status or a chat author outside the choices', async () => {
    await expect(sql(url, `INSERT INTO campaigns (title, status) VALUES ('x', 'bob')`)).rejects.toMatchObject({
      code: '23514',
    });
    const id = await campaign();
    await expect(
      sql(url, `INSERT INTO chats (campaign_id, author, message) VALUES ($1, 'bob', 'x')`, [id]),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('deleting a campaign removes its chats and every data of it or its chats', async () => {
    const id = await campaign();
    const chatId = await chat(id);
    await sql(url, 'INSERT INTO datas (chat_id) VALUES ($1)', [chatId]);
    await sql(url, 'INSERT INTO datas (campaign_id) VALUES ($1)', [id]);
    await sql(url, 'DELETE FROM campaigns WHERE id = $1', [id]);
    expect(await count('chats', 'campaign_id', id)).toBe(0);
    expect(await count('datas', 'campaign_id', id)).toBe(0);
    expect(await count('datas', 'chat_id', chatId)).toBe(0);
  });

  it('deleting a chat removes its datas but leaves its campaign and the campaign’s other datas', async () => {
    const id = await campaign();
    const chatId = await chat(id);
    await sql(url, 'INSERT INTO datas (chat_id, campaign_id) VALUES ($1, $2)', [chatId, id]);
    await sql(url, 'INSERT INTO datas (campaign_id) VALUES ($1)', [id]);
    await sql(url, 'DELETE FROM chats WHERE id = $1', [chatId]);
    expect(await count('datas', 'chat_id', chatId)).toBe(0);
    expect(await count('datas', 'campaign_id', id)).toBe(1);
    expect(await count('campaigns', 'id', id)).toBe(1);
  });
});

describe('sequelize-cli against a DATABASE_URL', () => {
  it('db:migrate:undo:all removes the schema and db:migrate brings it back', async () => {
    const url = await createTestDatabase();
    sequelizeCli('db:migrate:undo:all', url);
    expect(await applied(url)).toEqual([]);
    for (const table of ['campaigns', 'chats', 'datas']) expect(await tableExists(url, table)).toBe(false);

    sequelizeCli('db:migrate', url);
    expect(await applied(url)).toEqual(migrationNames());
    const app = await startApp(url);
    try {
      const res = await api(app).post('/api/campaigns/').send({ title: 'Migrated again' }).expect(201);
      await api(app).get(`/api/campaigns/${res.body.id}/`).expect(200);
    } finally {
      await app.stop();
    }
  }, 120_000);
});
