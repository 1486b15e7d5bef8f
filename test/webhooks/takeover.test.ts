import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api } from '../support/http';
import { startServerProcess, type ServerProcess } from '../support/process';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks, webhookProcessEnv } from '../support/webhooks';

jest.setTimeout(180_000);

/** The goal: a dead instance's deliveries resume on a survivor within this long. */
const BOUND_MS = 30_000;
const CONCURRENCY = 4;
/** The default delivery timeout: the stale-lock chore waits 3 × this + 5 s (35 s), past the bound. */
const TIMEOUT_MS = 10_000;

let url: string;
let killed: ServerProcess;
let survivor: App | undefined;
let receiver: Receiver;

beforeAll(async () => {
  url = await createTestDatabase();
  // the first attempts never get an answer: they are in flight when their instance dies
  receiver = await startReceiver((_hit, hits) => (hits.length <= CONCURRENCY ? 'hang' : 200));
  // presence at its defaults (heartbeat 5 s, an instance unseen for 20 s is gone)
  killed = await startServerProcess(
    url,
    webhookProcessEnv({ WEBHOOK_TIMEOUT_MS: String(TIMEOUT_MS), WEBHOOK_CONCURRENCY: String(CONCURRENCY) }),
  );
}, 90_000);
afterAll(async () => {
  await killed?.stop();
  await survivor?.stop();
  await receiver?.close();
});

describe('an instance killed with deliveries in flight', () => {
  it(`has them delivered by a survivor within ${BOUND_MS / 1000} s, once presence declares it gone`, async () => {
    const { body: campaign } = await api(killed).post('/api/campaigns/').send({ title: 'Takeover' }).expect(201);
    await api(killed)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'human', 'chat ' || i FROM generate_series(1, 20) i`,
      [campaign.id],
    );
    await eventually(() => receiver.hits.length === CONCURRENCY, 60_000, 'deliveries in flight');
    const inFlight = new Set(receiver.hits.map((h) => h.body.cursor));
    const [{ runners }] = await sql<{ runners: number }>(url, 'SELECT count(*)::int AS runners FROM webhook_runners');
    expect(runners).toBe(1);

    await killed.crash();
    const killedAt = Date.now();
    survivor = await startApp(url, { webhooks: testWebhooks({ timeoutMs: TIMEOUT_MS, concurrency: CONCURRENCY }) });

    // no chore is run by hand, and the stale-lock chore would need 35 s: only the sweep frees them
    await eventually(() => receiver.accepted.size === 20, BOUND_MS + 10_000, 'all 20 accepted', 100);
    expect(Date.now() - killedAt).toBeLessThanOrEqual(BOUND_MS);
    const repeated = receiver.hits.filter((h) => inFlight.has(h.body.cursor) && receiver.accepted.has(h.body.cursor));
    expect(new Set(repeated.map((h) => h.body.cursor))).toEqual(inFlight);
    expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
    const [{ left }] = await sql<{ left: number }>(url, 'SELECT count(*)::int AS left FROM webhook_runners');
    expect(left).toBe(1); // the survivor's own runner; the dead one's row went with its jobs
  });
});
