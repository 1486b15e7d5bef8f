import { Client } from 'pg';
import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { startPgBouncer, type Bouncer } from '../support/pgbouncer';
import { closeSockets, eventually, open } from '../support/sockets';

afterEach(closeSockets);

describe('behind PgBouncer in transaction mode', () => {
  let direct: string;
  let bouncer: Bouncer;
  let a: App, b: App;
  beforeAll(async () => {
    direct = await createTestDatabase();
    bouncer = await startPgBouncer(direct, 'transaction');
    const settings = {
      databaseUrl: bouncer.url,
      listenDatabaseUrl: direct,
      databasePoolMode: 'transaction' as const,
      statementTimeoutMs: 1_000,
    };
    [a, b] = await Promise.all([startApp(bouncer.url, settings), startApp(bouncer.url, settings)]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await bouncer?.stop();
  });

  it('concurrent load through the pooler gives no 5xx, and rooms still get every chat', async () => {
    const campaign = await createCampaign(a, { title: 'pooled' });
    const sub = await open(b);
    await sub.subscribe(campaign.id);
    const statuses: number[] = [];
    const worker = async (w: number) => {
      for (let i = 0; i < 8; i++) {
        const app = (w + i) % 2 ? a : b;
        const reads = [
          api(app).get('/api/campaigns/'),
          api(app)
            .get('/api/chats/')
            .query({ search: `m${w}`, ordering: '-created_at' }),
          api(app).get(`/api/campaigns/${campaign.id}/chats/`).query({ limit: 10 }),
        ];
        const read = await reads[i % reads.length];
        const write = await api(app)
          .post('/api/chats/')
          .send({ campaign: campaign.id, author: 'human', message: `m${w}-${i}` });
        statuses.push(read.status, write.status);
      }
    };
    await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
    expect(statuses.filter((s) => s >= 500)).toEqual([]);
    expect(statuses).toHaveLength(32 * 8 * 2);
    await eventually(() => sub.received.length === 32 * 8, 15_000, 'every chat delivered');
    expect(new Set(sub.received.map((r) => r.event.data.id)).size).toBe(32 * 8);
  }, 60_000);

  it('the deadline still cancels a statement through the pooler', async () => {
    const lock = new Client({ connectionString: direct });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE datas IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await api(a).get('/api/datas/');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      const [waiting] = await sql<{ n: number }>(
        direct,
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      expect(waiting.n).toBe(0);
    } finally {
      await lock.query('ROLLBACK');
      await lock.end();
    }
    await api(a).get('/api/datas/').expect(200);
  });
});
