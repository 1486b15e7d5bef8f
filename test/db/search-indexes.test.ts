import { Client } from 'pg';
import type { App } from '../../src/app';
import { CAMPAIGN_LIST } from '../../src/services/campaign.service';
import { CHAT_LIST } from '../../src/services/chat.service';
import { DATA_LIST } from '../../src/services/data.service';
import type { ListSpec } from '../../src/services/list';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api } from '../support/http';

const TRIGRAM_INDEXES = {
  chats_message_trgm_idx: 'chats',
  chats_author_trgm_idx: 'chats',
  campaigns_title_trgm_idx: 'campaigns',
  campaigns_description_trgm_idx: 'campaigns',
  campaigns_status_trgm_idx: 'campaigns',
  datas_context_trgm_idx: 'datas',
};

/**
 * The plan of a list's count for these terms, in the shape the list query has (each term
 * OR-ed over the columns, patterns bound). `seqScanOff` asks whether the indexes can serve
 * the query at all, on a table small enough that reading it is cheaper.
 */
async function countPlan(url: string, spec: ListSpec, terms: string[], seqScanOff = false): Promise<string> {
  const where = terms.map((_, i) => `(${spec.searchColumns.map((c) => `${c} ILIKE $${i + 1}`).join(' OR ')})`);
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    if (seqScanOff) await client.query('SET enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT count(*) FROM ${spec.table} ${spec.alias} WHERE ${where.join(' AND ')}`,
      terms.map((t) => `%${t}%`),
    );
    return rows.map((r) => r['QUERY PLAN']).join('\n');
  } finally {
    await client.end();
  }
}

describe('trigram indexes behind ?search=', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp());
    // 60,000 chats, 6,000 campaigns and 30,000 datas of varied text; one chat in 1,000 says
    // "needle", one in 100 says "thread" (triggers off: the events log is not under test)
    await sql(
      url,
      `SET session_replication_role = replica;
       INSERT INTO campaigns (title, description, status)
         SELECT 'campaign ' || md5(g::text), CASE WHEN g % 1000 = 0 THEN 'a needle here ' ELSE '' END || md5((-g)::text),
                (ARRAY['pending', 'processing', 'started', 'completed'])[1 + g % 4]
         FROM generate_series(1, 6000) g;
       INSERT INTO chats (campaign_id, author, message)
         SELECT (SELECT id FROM campaigns LIMIT 1), (ARRAY['human', 'ai', 'tool'])[1 + g % 3],
                md5(g::text) || CASE WHEN g % 1000 = 0 THEN ' a Needle ' WHEN g % 100 = 0 THEN ' thread ' ELSE ' ' END
                || md5((g * 7)::text)
         FROM generate_series(1, 60000) g;
       INSERT INTO datas (context)
         SELECT md5(g::text) || CASE WHEN g % 1000 = 0 THEN ' needle' ELSE '' END FROM generate_series(1, 30000) g;`,
    );
    // as autovacuum would: statistics, and the indexes' pending entries merged
    await sql(url, 'VACUUM ANALYZE campaigns, chats, datas');
  }, 30_000);
  afterAll(() => app.stop());

  it('exist on every searched column, as trigram GIN indexes', async () => {
    const rows = await sql<{ indexname: string; tablename: string; indexdef: string }>(
      url,
      `SELECT indexname, tablename, indexdef FROM pg_indexes WHERE indexname = ANY($1)`,
      [Object.keys(TRIGRAM_INDEXES)],
    );
    expect(Object.fromEntries(rows.map((r) => [r.indexname, r.tablename]))).toEqual(TRIGRAM_INDEXES);
    for (const r of rows) expect(r.indexdef).toMatch(/USING gin \(\w+ gin_trgm_ops\)/);
  });

  it('serve a search term on chats, the OR over message and author included', async () => {
    const plan = await countPlan(url, CHAT_LIST, ['needle']);
    expect(plan).toMatch(/Bitmap Index Scan on chats_message_trgm_idx/);
    expect(plan).toMatch(/Bitmap Index Scan on chats_author_trgm_idx/);
    expect(plan).not.toMatch(/Seq Scan/);
    expect((await api(app).get('/api/chats/?search=NEEDLE').expect(200)).body.count).toBe(60);
  });

  it('serve two terms together, and a term matching an author', async () => {
    const plan = await countPlan(url, CHAT_LIST, ['needle', 'thread']);
    expect(plan).toMatch(/Bitmap Index Scan on chats_message_trgm_idx/);
    expect(plan).not.toMatch(/Seq Scan/);
    expect((await api(app).get('/api/chats/?search=needle,thread').expect(200)).body.count).toBe(0);
    expect((await api(app).get('/api/chats/?search=thread%20TOOL').expect(200)).body.count).toBe(180);
  });

  it('serve a search on datas, and can serve one on campaigns', async () => {
    // 6,000 campaigns are read faster than through three indexes: this checks the query matches them
    const campaigns = await countPlan(url, CAMPAIGN_LIST, ['needle'], true);
    for (const index of ['title', 'description', 'status']) {
      expect(campaigns).toMatch(new RegExp(`Bitmap Index Scan on campaigns_${index}_trgm_idx`));
    }
    expect(campaigns).not.toMatch(/Seq Scan/);
    expect((await api(app).get('/api/campaigns/?search=needle').expect(200)).body.count).toBe(6);
    expect(await countPlan(url, DATA_LIST, ['needle'])).toMatch(/Bitmap Index Scan on datas_context_trgm_idx/);
    expect((await api(app).get('/api/datas/?search=needle').expect(200)).body.count).toBe(30);
  });

  it('answer a term too short for a trigram with the same substring match', async () => {
    expect((await api(app).get('/api/chats/?search=ne').expect(200)).body.count).toBe(60);
  });
});
