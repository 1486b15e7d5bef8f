import { request as httpRequest } from 'node:http';
import { Client } from 'pg';
import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { eventually } from '../support/sockets';

/** Backends of this database waiting on a lock. */
const lockWaiters = async (url: string): Promise<number> =>
  (
    await sql<{ n: number }>(
      url,
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    )
  )[0].n;

describe('chat creates batched together', () => {
  let app: App;
  let url: string;
  beforeAll(async () => ({ app, url } = await freshApp()));
  afterAll(() => app?.stop());

  it("are not cancelled by one client leaving: the others' chats are created", async () => {
    const campaign = await createCampaign(app, { title: 'batched' });
    // the inserts' foreign-key checks wait behind this lock, so the creates pile up
    const holder = new Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM campaigns WHERE id = $1 FOR UPDATE', [campaign.id]);
    // then() sends the request now (supertest sends only when awaited)
    const post = (message: string) =>
      api(app)
        .post('/api/chats/')
        .send({ campaign: campaign.id, author: 'human', message })
        .then((res) => res);
    try {
      const payload = JSON.stringify({ campaign: campaign.id, author: 'human', message: 'leaves' });
      const leaving = httpRequest(`${app.url}/api/chats/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      });
      leaving.on('error', () => undefined);
      leaving.end(payload);
      await eventually(async () => (await lockWaiters(url)) === 1, 10_000, 'the first insert waits');
      const staying = [post('stays 1')];
      await eventually(async () => (await lockWaiters(url)) === 2, 10_000, 'the second insert waits');
      // both inserts are under way: these three queue for the next batch
      staying.push(post('stays 2'), post('stays 3'), post('stays 4'));
      const connections = () => new Promise<number>((resolve) => app.httpServer.getConnections((_e, n) => resolve(n)));
      await eventually(async () => (await connections()) === 5, 10_000, 'five requests in flight');
      leaving.destroy();
      // once the server has seen the client go, a cancel (were one sent) is on its way at once
      await eventually(async () => (await connections()) <= 4, 10_000, 'the server sees the client go');
      await holder.query('ROLLBACK');
      const answers = await Promise.all(staying);
      expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201]);
    } finally {
      await holder.end();
    }
    const rows = await sql<{ message: string }>(url, 'SELECT message FROM chats WHERE campaign_id = $1', [campaign.id]);
    expect(rows.map((r) => r.message).sort()).toEqual(['leaves', 'stays 1', 'stays 2', 'stays 3', 'stays 4']);
  });
});
