import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { closeSockets, eventually, open } from '../support/sockets';

afterEach(closeSockets);

const apps: App[] = [];
afterAll(() => Promise.all(apps.map((app) => app.stop())));

/** An instance whose timer stays out of the way: each test prunes when it chooses. */
async function instance(url: string): Promise<App> {
  const app = await startApp(url, { eventPruneIntervalMs: 60_000 });
  apps.push(app);
  return app;
}

/** Posts `count` chats one after another. */
async function writeEach(app: App, campaign: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    await api(app)
      .post('/api/chats/')
      .send({ campaign, author: 'human', message: `m${i}` })
      .expect(201);
  }
}

const logIds = async (url: string) =>
  (await sql<{ id: string }>(url, 'SELECT id::text AS id FROM events ORDER BY id')).map((r) => r.id);

const prunedUpto = async (url: string) =>
  (await sql<{ upto: string }>(url, 'SELECT upto::text AS upto FROM events_pruned'))[0].upto;

describe('pruning the events log', () => {
  it('keeps events a live but slow reader has not read, however old, until it stops heartbeating', async () => {
    const url = await createTestDatabase();
    const [campaign] = await sql<{ id: string }>(url, `INSERT INTO campaigns (title) VALUES ('Old') RETURNING id`);
    await sql(url, `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'ai', 'm' FROM generate_series(1, 6)`, [
      campaign.id,
    ]);
    await sql(url, `UPDATE events SET created_at = now() - interval '2 days'`); // all past the 24 h retention
    const log = await logIds(url);
    expect(log).toHaveLength(6);
    const app = await instance(url); // it has read them all: it starts at the head
    // another instance, alive (it heartbeats) but only halfway through the log
    const [slow] = await sql<{ instance: string }>(
      url,
      'INSERT INTO event_readers (instance, position) VALUES (gen_random_uuid(), $1) RETURNING instance',
      [log[2]],
    );

    await app.feed.prune();
    expect(await logIds(url)).toEqual(log.slice(3));
    expect(await prunedUpto(url)).toBe(log[2]);

    // it stops heartbeating (crashed, frozen): after a few intervals it no longer holds pruning back
    await sql(url, `UPDATE event_readers SET seen_at = now() - interval '1 hour' WHERE instance = $1`, [slow.instance]);
    await app.feed.prune();
    expect(await logIds(url)).toEqual([]);
    expect(await prunedUpto(url)).toBe(log[5]);
    const readers = await sql<{ instance: string }>(url, 'SELECT instance FROM event_readers');
    expect(readers).toHaveLength(1); // the stale row was swept; this instance's own is left
  });

  it('a million aged events go in bounded batches, while writes and live delivery go on', async () => {
    const url = await createTestDatabase();
    await sql(
      url,
      `INSERT INTO events (campaign_id, entity, op, entity_id, keys, created_at)
       SELECT gen_random_uuid(), 'chat', 'created', gen_random_uuid(), '{}', now() - interval '2 days'
       FROM generate_series(1, 1000000)`,
    );
    const [{ max }] = await sql<{ max: string }>(url, 'SELECT max(id)::text AS max FROM events');
    const app = await instance(url);
    const campaign = await createCampaign(app);
    const sub = await open(app);
    await sub.subscribe(campaign.id);

    let pruned = false;
    const pruning = app.feed.prune().finally(() => (pruned = true));
    // meanwhile: each batch is a short statement, so writers and the feed never wait for the whole
    await writeEach(app, campaign.id, 20);
    await eventually(() => sub.received.length === 20 || pruned, 60_000, 'live delivery during pruning');
    const during = !pruned;
    expect(await pruning).toEqual({ deleted: 1_000_000, batches: 100 });
    expect(during).toBe(true); // all 20 written and delivered while the pruning still ran
    expect(sub.received).toHaveLength(20);
    expect(await prunedUpto(url)).toBe(max);
    expect(await sql(url, 'SELECT 1 FROM events WHERE id <= $1 LIMIT 1', [max])).toEqual([]);
  }, 120_000);

  it('only ever deletes a prefix of the log: an event within the retention stops it', async () => {
    const url = await createTestDatabase();
    const [campaign] = await sql<{ id: string }>(url, `INSERT INTO campaigns (title) VALUES ('Mixed') RETURNING id`);
    await sql(url, `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'ai', 'm' FROM generate_series(1, 4)`, [
      campaign.id,
    ]);
    const log = await logIds(url);
    // a long transaction's events can be older than ones committed before them
    await sql(url, `UPDATE events SET created_at = now() - interval '2 days' WHERE id <> $1`, [log[1]]);
    const app = await instance(url);
    await app.feed.prune();
    expect(await logIds(url)).toEqual(log.slice(1));
    expect(await prunedUpto(url)).toBe(log[0]);
  });

  it('a stopped instance leaves the readers table', async () => {
    const url = await createTestDatabase();
    const app = await instance(url);
    expect(await sql(url, 'SELECT 1 FROM event_readers')).toHaveLength(1);
    await app.stop();
    expect(await sql(url, 'SELECT 1 FROM event_readers')).toHaveLength(0);
  });
});
