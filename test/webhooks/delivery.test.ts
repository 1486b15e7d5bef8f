import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';
import { verifyWebhook } from '../../src/webhooks/signature';

jest.setTimeout(240_000);

/** Writes `n` chats as another program would: plain SQL, 100 per transaction, alternating campaigns. */
async function insertChats(url: string, campaigns: string[], n: number): Promise<void> {
  for (let done = 0; done < n; done += 100) {
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message)
       SELECT ($1::uuid[])[1 + (i % array_length($1::uuid[], 1))], 'human', 'chat ' || i
       FROM generate_series($2::int, $3::int) i`,
      [campaigns, done, Math.min(n, done + 100) - 1],
    );
  }
}

describe('deliveries across three instances', () => {
  let url: string;
  let apps: App[];
  let all: Receiver;
  let flaky: Receiver;
  const failuresFirst = 2;

  beforeAll(async () => {
    url = await createTestDatabase();
    // an attempt that outlives its timeout is retried (at least once): on a loaded machine 2 s can
    // pass before the receiver's answer is read, and this test counts repeats as failures
    const webhooks = testWebhooks({ timeoutMs: 15_000 });
    apps = await Promise.all([0, 1, 2].map(() => startApp(url, { webhooks })));
    all = await startReceiver();
    // each event is refused twice before it is taken
    flaky = await startReceiver((hit, hits) =>
      hits.filter((h) => h.body.cursor === hit.body.cursor).length > failuresFirst ? 200 : 500,
    );
  });
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all([all.close(), flaky.close()]);
  });

  it('1,000 chats: every matching event reaches each endpoint once, the failing one after retries', async () => {
    const [a, b] = [await createCampaign(apps[0]), await createCampaign(apps[1])];
    const everything = await api(apps[0])
      .post('/api/webhooks/')
      .send({ url: all.url, events: ['chat:created'] })
      .expect(201);
    const onlyA = await api(apps[1])
      .post('/api/webhooks/')
      .send({ url: flaky.url, events: ['chat:created', 'chat:deleted'], campaign: a.id })
      .expect(201);

    await insertChats(url, [a.id, b.id], 1000);

    await eventually(() => all.accepted.size === 1000 && flaky.accepted.size === 500, 180_000, '1,500 deliveries');
    // at-least-once only repeats after a crash: nothing here may arrive twice
    expect(all.hits).toHaveLength(1000);
    expect([...all.accepted.values()].every((n) => n === 1)).toBe(true);
    expect([...flaky.accepted.values()].every((n) => n === 1)).toBe(true);
    expect(flaky.hits).toHaveLength(500 * (failuresFirst + 1));
    expect(new Set(flaky.hits.map((h) => h.body.campaign))).toEqual(new Set([a.id]));

    const chats = await sql<{ id: string }>(url, 'SELECT id FROM chats');
    expect(new Set(all.hits.map((h) => h.body.data.id))).toEqual(new Set(chats.map((c) => c.id)));
    const sample = all.hits[123];
    expect(sample.body).toMatchObject({ name: 'chat:created', data: { author: 'human', datas: [] } });
    expect(Object.keys(sample.body).sort()).toEqual(['campaign', 'created_at', 'cursor', 'data', 'id', 'name']);
    expect(sample.headers['webhook-cursor']).toBe(sample.body.cursor);
    expect(verifyWebhook(everything.body.secret, sample.raw, sample.headers['webhook-signature'] as string)).toBe(true);
    expect(verifyWebhook(onlyA.body.secret, sample.raw, sample.headers['webhook-signature'] as string)).toBe(false);

    // the delivery log shows each event with its attempts
    const log = await api(apps[2]).get(`/api/webhooks/${onlyA.body.id}/deliveries/?page_size=5`).expect(200);
    expect(log.body.count).toBe(500);
    const [entry] = log.body.results;
    expect(entry).toMatchObject({ name: 'chat:created', status: 'delivered' });
    expect(entry.attempts.map((x: { status_code: number }) => x.status_code)).toEqual([500, 500, 200]);
    expect(entry.attempts.every((x: { duration_ms: number }) => Number.isInteger(x.duration_ms))).toBe(true);
    expect(entry.attempts[0].response).toBe('not now');
    const detail = await api(apps[0]).get(`/api/webhooks/${onlyA.body.id}/deliveries/${entry.id}/`).expect(200);
    expect(detail.body).toEqual(entry);
  });

  it('redeliver sends a delivery again, with the same id and cursor', async () => {
    const endpoints = await api(apps[0])
      .get(`/api/webhooks/?search=${encodeURIComponent(all.url)}`)
      .expect(200);
    const id = endpoints.body.results[0].id;
    const { body: page } = await api(apps[0]).get(`/api/webhooks/${id}/deliveries/?page_size=1`).expect(200);
    const delivery = page.results[0];
    const before = all.hits.length;
    const res = await api(apps[1]).post(`/api/webhooks/${id}/deliveries/${delivery.id}/redeliver/`).expect(202);
    expect(res.body).toMatchObject({ id: delivery.id });
    // read back after queueing: a quick receiver may already have it again
    expect(['pending', 'delivered']).toContain(res.body.status);
    await eventually(() => all.hits.length === before + 1, 30_000, 'the redelivery');
    expect(all.hits[before].body).toMatchObject({ id: delivery.id, cursor: delivery.cursor });
    await eventually(() => all.accepted.get(delivery.cursor) === 2, 30_000, 'its acceptance');
  });
});
