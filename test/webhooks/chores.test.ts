import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually, sleep } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(120_000);

/** Waits until the log's oldest event is older than the 2 s retention these tests run with. */
const eventsAged = (url: string) =>
  eventually(
    async () =>
      (await sql<{ old: boolean }>(url, `SELECT min(created_at) < now() - interval '2 seconds' AS old FROM events`))[0]
        .old,
    60_000,
    'the events to age past the retention',
    100,
  );

describe('scheduled chores', () => {
  let app: App;
  let url: string;
  let receiver: Receiver;
  beforeAll(async () => {
    ({ app, url } = await freshApp({
      eventPruneIntervalMs: 200,
      eventRetentionHours: 1 / 3600,
      webhooks: testWebhooks({ logRetentionHours: 1 / 3600 }),
    }));
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await app.stop();
    await receiver.close();
  });

  const count = async (table: string) =>
    (await sql<{ n: number }>(url, `SELECT count(*)::int AS n FROM ${table}`))[0].n;

  it('prune the events log and the delivery log once for the cluster, not on every instance’s timer', async () => {
    // the chores' own schedule runs at each minute's start and would prune these events too:
    // begin with the best part of a minute ahead (pacing, not a proof of anything)
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 20_000) await sleep(left + 1_000);
    const campaign = await createCampaign(app);
    await api(app)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    for (let i = 0; i < 5; i++) await createChat(app, campaign.id);
    await eventually(() => receiver.accepted.size === 5, 60_000, 'the deliveries', 100);
    await eventsAged(url);
    // the heartbeat timer has ticked meanwhile (its reader row moves), yet nothing was pruned
    const [{ seen }] = await sql<{ seen: string }>(url, 'SELECT max(seen_at)::text AS seen FROM event_readers');
    await eventually(
      async () =>
        (await sql<{ seen: string }>(url, 'SELECT max(seen_at)::text AS seen FROM event_readers'))[0].seen !== seen,
      60_000,
      'a heartbeat',
      100,
    );
    expect(await count('events')).toBe(5);

    const done = await app.webhooks!.runChores();
    expect(done).toMatchObject({ events: 5, pruned: 5, released: 0 });
    expect(await count('events')).toBe(0);
    expect(await count('webhook_deliveries')).toBe(0);
  });
});

describe('pruning the events log', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    // no job runner here: the dispatcher never moves, as if every runner were down
    ({ app, url } = await freshApp({
      eventPruneIntervalMs: 200,
      eventRetentionHours: 1 / 3600,
      webhooks: testWebhooks({ enabled: false }),
    }));
  });
  afterAll(() => app.stop());

  it('never passes the webhook dispatcher while an endpoint is active', async () => {
    const campaign = await createCampaign(app);
    const { body: endpoint } = await api(app)
      .post('/api/webhooks/')
      .send({ url: 'http://127.0.0.1:9/', events: ['chat:created'] })
      .expect(201);
    for (let i = 0; i < 3; i++) await createChat(app, campaign.id);
    await eventsAged(url);
    // this instance has read them all: only the dispatcher's position holds pruning back
    await eventually(
      async () =>
        (
          await sql<{ read: boolean }>(
            url,
            'SELECT (SELECT min(position) FROM event_readers) >= (SELECT max(id) FROM events) AS read',
          )
        )[0].read,
      60_000,
      'the reader heartbeat',
      100,
    );
    expect(await app.feed.prune()).toMatchObject({ deleted: 0 });
    await api(app).patch(`/api/webhooks/${endpoint.id}/`).send({ active: false }).expect(200);
    // this prune, or the app's own one (every 200 ms) just before it, removes the three
    await app.feed.prune();
    const [{ left }] = await sql<{ left: number }>(
      url,
      'SELECT count(*)::int AS left FROM events WHERE campaign_id = $1',
      [campaign.id],
    );
    expect(left).toBe(0);
  });
});
