import type { App } from '../../src/app';
import { freshApp, startApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { closeSockets, eventually, open } from '../support/sockets';

afterEach(closeSockets);

const scrape = async (app: App) => (await api(app).get('/metrics').expect(200)).text;

/** The value of one sample line, e.g. value(text, 'chat_rooms'). */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  if (!line) throw new Error(`no sample ${sample}`);
  return Number(line.slice(sample.length + 1));
}

describe('GET /metrics', () => {
  let a: App, b: App;
  let url: string;
  beforeAll(async () => {
    ({ app: a, url } = await freshApp());
    b = await startApp(url); // a second instance in the same process: its own registry
  });
  afterAll(() => Promise.all([a.stop(), b.stop()]));

  it('exposes process, HTTP, socket, room, delivery, pool and events-log metrics under one prefix', async () => {
    const campaign = await createCampaign(a);
    const sub = await open(a);
    await sub.subscribe(campaign.id);
    await api(b).post('/api/chats/').send({ campaign: campaign.id, author: 'human', message: 'hi' }).expect(201);
    await eventually(() => sub.received.length === 1, 10_000, 'delivery');
    await api(a).get('/api/campaigns/').expect(200);
    await api(a).get('/api/nothing').expect(404);

    const text = await scrape(a);
    expect(value(text, 'chat_socket_connections')).toBe(1);
    expect(value(text, 'chat_rooms')).toBe(1);
    expect(value(text, 'chat_events_delivered_total')).toBe(1); // the chat (campaigns have no created event)
    expect(
      value(text, 'chat_http_request_duration_seconds_count{method="GET",route="/api/campaigns/",status="200"}'),
    ).toBe(1);
    expect(value(text, 'chat_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"}')).toBe(
      1,
    );
    expect(value(text, 'chat_db_pool_connections{pool="api",state="waiting"}')).toBe(0);
    expect(value(text, 'chat_events_log_rows')).toBe(1);
    expect(value(text, 'chat_events_log_oldest_age_seconds')).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^chat_process_cpu_user_seconds_total /m);
    expect(text).not.toMatch(/^(?!#)(?!chat_)\w+/m); // every sample carries the prefix
  });

  it('measures delivery lag from commit, replays and their sizes, and cursor_expired answers', async () => {
    const campaign = await createCampaign(a);
    const first = await open(a);
    const { cursor } = await first.subscribe(campaign.id);
    for (const message of ['x', 'y']) {
      await api(a).post('/api/chats/').send({ campaign: campaign.id, author: 'human', message }).expect(201);
    }
    await eventually(() => first.received.length === 2, 10_000, 'delivery');
    const resumed = await open(a);
    expect((await resumed.subscribe(campaign.id, cursor)).replayed).toBe(2);
    await sql(url, 'UPDATE events_pruned SET upto = (SELECT max(id) FROM events)');
    const late = await open(a);
    await expect(late.subscribe(campaign.id, cursor)).rejects.toThrow(/cursor_expired/);

    const text = await scrape(a);
    expect(value(text, 'chat_event_delivery_lag_seconds_count')).toBeGreaterThanOrEqual(3);
    expect(value(text, 'chat_event_delivery_lag_seconds_bucket{le="10"}')).toBe(
      value(text, 'chat_event_delivery_lag_seconds_count'),
    );
    expect(value(text, 'chat_replay_events_count')).toBe(1);
    expect(value(text, 'chat_replay_events_sum')).toBe(2);
    expect(value(text, 'chat_cursor_expired_total{reason="cursor"}')).toBe(1);
  });

  it('counts listener reconnects', async () => {
    const before = value(await scrape(b), 'chat_listener_reconnects_total');
    await sql(url, 'SELECT pg_terminate_backend($1)', [b.listener.backendPid]);
    await eventually(() => b.listener.connected && b.listener.backendPid !== undefined, 10_000, 'reconnect');
    let after = before;
    for (let i = 0; i < 100 && after === before; i++) after = value(await scrape(b), 'chat_listener_reconnects_total');
    expect(after).toBe(before + 1);
  });
});

describe('metrics settings', () => {
  it('METRICS_TOKEN requires that bearer token', async () => {
    const { app } = await freshApp({ metrics: { enabled: true, token: 'a-long-metrics-token' } });
    try {
      const refused = await api(app).get('/metrics');
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual({ detail: 'A metrics token is required.' });
      await api(app).get('/metrics').set('Authorization', 'Bearer a-long-metrics-token').expect(200);
    } finally {
      await app.stop();
    }
  });

  it('METRICS=false removes the endpoint', async () => {
    const { app } = await freshApp({ metrics: { enabled: false } });
    try {
      await api(app).get('/metrics').expect(404);
      expect(app.metrics).toBeUndefined();
    } finally {
      await app.stop();
    }
  });
});
