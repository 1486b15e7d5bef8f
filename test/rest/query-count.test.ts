import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api } from '../support/http';

let app: App;
let campaign: string;
let chat: string;

beforeAll(async () => {
  const url = await createTestDatabase();
  app = await startApp(url);
  // 60 campaigns, each with 3 chats of 2 datas each and 2 datas of its own
  await sql(url, `INSERT INTO campaigns (title) SELECT 'Campaign ' || i FROM generate_series(1, 60) i`);
  await sql(
    url,
    `INSERT INTO chats (campaign_id, author, message)
     SELECT k.id, 'human', 'chat ' || i FROM campaigns k CROSS JOIN generate_series(1, 3) i`,
  );
  await sql(
    url,
    `INSERT INTO datas (context, chat_id, campaign_id)
     SELECT 'chat data', c.id, c.campaign_id FROM chats c CROSS JOIN generate_series(1, 2)`,
  );
  await sql(
    url,
    `INSERT INTO datas (context, campaign_id) SELECT 'campaign data', k.id FROM campaigns k CROSS JOIN generate_series(1, 2)`,
  );
  [{ id: campaign }] = await sql<{ id: string }>(url, 'SELECT id FROM campaigns LIMIT 1');
  [{ id: chat }] = await sql<{ id: string }>(url, 'SELECT id FROM chats LIMIT 1');
});
afterAll(() => app.stop());

/** Every SQL statement the app sends while serving `path`, and the response body. */
async function queriesFor(path: string): Promise<{ queries: number; body: Record<string, unknown> }> {
  let queries = 0;
  const stop = app.database.observe(() => queries++);
  try {
    const res = await api(app).get(path).expect(200);
    return { queries, body: res.body };
  } finally {
    stop();
  }
}

function expectSameFewQueries(small: number, large: number): void {
  expect(large).toBe(small);
  expect(large).toBeGreaterThanOrEqual(1); // the hook saw the request at all
  expect(large).toBeLessThanOrEqual(2);
}

type Nested = { chats: { datas: unknown[] }[]; datas: unknown[] };

describe('a list page costs the same few queries whatever its size', () => {
  it('campaigns, with their nested chats and datas', async () => {
    const small = await queriesFor('/api/campaigns/?page_size=5');
    const large = await queriesFor('/api/campaigns/?page_size=50');
    const results = large.body.results as Nested[];
    expect(results).toHaveLength(50);
    expect(results.every((c) => c.chats.length === 3 && c.datas.length === 8)).toBe(true);
    expect(results.every((c) => c.chats.every((h) => h.datas.length === 2))).toBe(true);
    expectSameFewQueries(small.queries, large.queries);
  });

  it('chats, with their nested datas', async () => {
    const small = await queriesFor('/api/chats/?page_size=5');
    const large = await queriesFor('/api/chats/?page_size=100');
    const results = large.body.results as { datas: unknown[] }[];
    expect(results).toHaveLength(100);
    expect(results.every((c) => c.datas.length === 2)).toBe(true);
    expectSameFewQueries(small.queries, large.queries);
  });

  it('datas', async () => {
    const small = await queriesFor('/api/datas/?page_size=5');
    const large = await queriesFor('/api/datas/?page_size=100');
    expect(large.body.results).toHaveLength(100);
    expectSameFewQueries(small.queries, large.queries);
  });
});

describe('a single resource costs one query', () => {
  it('a campaign with its chats and datas', async () => {
    const { queries, body } = await queriesFor(`/api/campaigns/${campaign}/`);
    expect((body as Nested).chats).toHaveLength(3);
    expect(queries).toBe(1);
  });

  it('a chat with its datas', async () => {
    const { queries, body } = await queriesFor(`/api/chats/${chat}/`);
    expect(body.datas).toHaveLength(2);
    expect(queries).toBe(1);
  });

  it('a campaign’s whole chat history', async () => {
    const { queries, body } = await queriesFor(`/api/campaigns/${campaign}/chats/`);
    expect(body).toHaveLength(3);
    expect(queries).toBe(1);
  });
});
