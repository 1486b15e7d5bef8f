import { Client } from 'pg';
import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api, createCampaign } from '../support/http';
import { pooledBackendPids, startPgBouncer, type Bouncer } from '../support/pgbouncer';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually, sleep } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(120_000);

/**
 * The budget with the default pools (DB_POOL_MAX 8): API 8 + ORM writes 4 + feed 2 +
 * replays 2 + presence 2 + listener 1, and for webhooks 2 + the job runner's LISTEN 1.
 */
const BUDGET = 22;
const CONCURRENCY = 50;
const CHATS = 60;

type Backend = { pid: number; application_name: string };
/** The database's backends but the asking one. */
const BACKENDS = `SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;

/** Samples the database's backends (but its own) until stopped; keeps every sample. */
function sampler(url: string, every = 25) {
  const samples: Backend[][] = [];
  const probe = new Client({ connectionString: url, application_name: 'connection-probe' });
  probe.on('error', () => undefined);
  let running = true;
  const done = (async () => {
    await probe.connect();
    while (running) {
      const { rows } = await probe.query<Backend>(BACKENDS);
      samples.push(rows);
      await sleep(every);
    }
    await probe.end();
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await done;
    },
  };
}

const peak = (samples: Backend[][], pick: (b: Backend) => boolean = () => true) =>
  Math.max(...samples.map((s) => s.filter(pick).length));

/**
 * Deliveries to a receiver that answers after 1.5 s, WEBHOOK_CONCURRENCY of them in flight,
 * while 24 clients keep the API busy; `during` runs while the deliveries wait.
 */
async function deliveriesInFlight(app: App, during: () => Promise<void>): Promise<Receiver> {
  let waiting = 0;
  let mostWaiting = 0;
  const receiver = await startReceiver(async () => {
    mostWaiting = Math.max(mostWaiting, ++waiting);
    await sleep(1_500);
    waiting--;
    return 200;
  });
  const campaign = await createCampaign(app);
  await api(app)
    .post('/api/webhooks/')
    .send({ url: receiver.url, events: ['chat:created'] })
    .expect(201);
  let busy = true;
  const client = async (n: number) => {
    for (let i = 0; busy; i++) {
      const res = await (i % 2
        ? api(app).get(`/api/campaigns/${campaign.id}/chats/`).query({ limit: 5 })
        : api(app)
            .patch(`/api/campaigns/${campaign.id}/`)
            .send({ description: `busy ${n}.${i}` }));
      expect(res.status).toBeLessThan(500);
    }
  };
  const clients = Array.from({ length: 24 }, (_, n) => client(n));
  try {
    const created = await Promise.all(
      Array.from({ length: CHATS }, (_, i) =>
        api(app)
          .post('/api/chats/')
          .send({ campaign: campaign.id, author: 'human', message: `hook ${i}` }),
      ),
    );
    expect(created.map((r) => r.status)).toEqual(Array(CHATS).fill(201));
    await eventually(() => waiting >= CONCURRENCY - 5, 30_000, 'the deliveries in flight');
    await during();
  } finally {
    busy = false;
    await Promise.all(clients);
  }
  await eventually(() => receiver.accepted.size === CHATS, 60_000, 'every delivery');
  expect([...receiver.accepted.values()].every((n) => n === 1)).toBe(true);
  expect(mostWaiting).toBeGreaterThanOrEqual(CONCURRENCY - 5);
  return receiver;
}

describe('connections of an instance with webhooks in flight', () => {
  const receivers: Receiver[] = [];
  const apps: App[] = [];
  let bouncer: Bouncer | undefined;
  afterAll(async () => {
    await Promise.all(apps.map((a) => a.stop()));
    await Promise.all(receivers.map((r) => r.close()));
    await bouncer?.stop();
  });

  const settings = { webhooks: testWebhooks({ concurrency: CONCURRENCY, timeoutMs: 10_000 }) };

  it(`stay within ${BUDGET} without a pooler, however many deliveries wait on their receiver`, async () => {
    const url = await createTestDatabase();
    const app = await startApp(url, settings);
    apps.push(app);
    const watch = sampler(url);
    receivers.push(await deliveriesInFlight(app, async () => void (await sleep(1_000))));
    await watch.stop();
    const byName = (name: string) => peak(watch.samples, (b) => b.application_name === name);
    expect(peak(watch.samples)).toBeLessThanOrEqual(BUDGET);
    expect(byName('chat-webhooks')).toBeLessThanOrEqual(2);
    expect(byName('chat-webhooks-listen')).toBe(1);
    // the load did reach the pools: the bound was not met by an idle instance
    expect(byName('chat-api')).toBeGreaterThan(2);
  });

  it('behind a transaction pooler, open only 2 direct connections: the two LISTENs', async () => {
    const direct = await createTestDatabase();
    bouncer = await startPgBouncer(direct, 'transaction');
    const database = new URL(direct).pathname.slice(1);
    const app = await startApp(bouncer.url, {
      ...settings,
      listenDatabaseUrl: direct,
      databasePoolMode: 'transaction',
    });
    apps.push(app);
    const directs: Backend[][] = [];
    const sample = async () => {
      // the backends first: one the pooler opens after them is not misread as direct
      const { rows } = await probe.query<Backend>(BACKENDS);
      const pooled = await pooledBackendPids(bouncer!.url, database);
      directs.push(rows.filter((b) => !pooled.has(b.pid)));
    };
    const probe = new Client({ connectionString: direct });
    probe.on('error', () => undefined);
    await probe.connect();
    try {
      receivers.push(
        await deliveriesInFlight(app, async () => {
          for (let i = 0; i < 20; i++) await sample();
        }),
      );
    } finally {
      await probe.end();
    }
    expect(directs.length).toBe(20);
    expect(Math.max(...directs.map((d) => d.length))).toBeLessThanOrEqual(2);
    expect(new Set(directs.flat().map((b) => b.application_name))).toEqual(
      new Set(['chat-listener', 'chat-webhooks-listen']),
    );
  });
});
