import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/process';
import { startReceiver, type Hit, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks, webhookProcessEnv } from '../support/webhooks';

jest.setTimeout(240_000);

const TIMEOUT_MS = 2_000;
const CONCURRENCY = 4;

let url: string;
let killed: ServerProcess;
let survivor: App | undefined;
let receiver: Receiver;

beforeAll(async () => {
  url = await createTestDatabase();
  // the first attempts never get an answer: they are in flight when their instance dies
  receiver = await startReceiver((_hit, hits) => (hits.length <= CONCURRENCY ? 'hang' : 200));
  killed = await startServerProcess(
    url,
    webhookProcessEnv({
      WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS),
      WEBHOOK_CONCURRENCY: String(CONCURRENCY),
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
    }),
  );
}, 90_000);
afterAll(async () => {
  await killed?.stop();
  await survivor?.stop();
  await receiver?.close();
});

const byCursor = (hits: Hit[]) => {
  const groups = new Map<string, Hit[]>();
  for (const h of hits) groups.set(h.body.cursor, [...(groups.get(h.body.cursor) ?? []), h]);
  return groups;
};

describe('an instance killed mid-delivery', () => {
  it('loses no event: another instance delivers what it held, and a repeat carries the same cursor', async () => {
    const { body: campaign } = await api(killed).post('/api/campaigns/').send({ title: 'Crash' }).expect(201);
    await api(killed)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'human', 'chat ' || i FROM generate_series(1, 50) i`,
      [campaign.id],
    );
    await eventually(() => receiver.hits.length === CONCURRENCY, 60_000, 'deliveries in flight');
    const inFlight = receiver.hits.map((h) => h.body.cursor);

    await killed.crash();
    survivor = await startApp(url, { webhooks: testWebhooks({ timeoutMs: TIMEOUT_MS }) });

    // the chore (every minute on one instance) releases jobs locked by the dead worker; run it now and then
    await eventually(
      async () => receiver.accepted.size >= 50 || (await survivor!.webhooks!.runChores(), false),
      120_000,
      'all 50 accepted',
      250,
    );

    const groups = byCursor(receiver.hits);
    expect(groups.size).toBe(50);
    for (const [cursor, hits] of groups) {
      // a repeat is the same delivery: same id, same body, same cursor
      expect(new Set(hits.map((h) => h.raw)).size).toBe(1);
      expect(hits.every((h) => h.headers['webhook-cursor'] === cursor)).toBe(true);
      if (hits.length > 1) expect(inFlight).toContain(cursor);
    }
    const [{ delivered }] = await sql<{ delivered: number }>(
      url,
      `SELECT count(*)::int AS delivered FROM webhook_deliveries WHERE status = 'delivered'`,
    );
    expect(delivered).toBe(50);
  });
});
