import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api, createCampaign, createChat } from '../support/http';
import { startReceiver, type Receiver } from '../support/receiver';
import { eventually } from '../support/sockets';
import { testWebhooks } from '../support/webhooks';

jest.setTimeout(120_000);

describe('an endpoint that fails for the whole retry window', () => {
  let app: App;
  let receiver: Receiver;
  beforeAll(async () => {
    // a window of two seconds stands for 24 hours
    ({ app } = await freshApp({ webhooks: testWebhooks({ retryHours: 2 / 3600 }) }));
    receiver = await startReceiver(() => 503);
  });
  afterAll(async () => {
    await app.stop();
    await receiver.close();
  });

  it('is deactivated with the reason recorded, its delivery marked failed, and later events not sent', async () => {
    const campaign = await createCampaign(app);
    const { body: endpoint } = await api(app)
      .post('/api/webhooks/')
      .send({ url: receiver.url, events: ['chat:created'] })
      .expect(201);
    await createChat(app, campaign.id);

    const current = async () => (await api(app).get(`/api/webhooks/${endpoint.id}/`).expect(200)).body;
    await eventually(async () => (await current()).active === false, 60_000, 'deactivation', 100);
    const deactivated = await current();
    expect(deactivated.deactivated_reason).toMatch(/^Every attempt failed since .+Z \(0\.000\d+ hours\)\.$/);
    expect(deactivated.deactivated_at).not.toBeNull();
    const { body: log } = await api(app).get(`/api/webhooks/${endpoint.id}/deliveries/`).expect(200);
    expect(log.results[0].status).toBe('failed');
    expect(log.results[0].attempts.length).toBeGreaterThan(1);
    expect(log.results[0].attempts.every((a: { status_code: number }) => a.status_code === 503)).toBe(true);

    const hits = receiver.hits.length;
    await createChat(app, campaign.id, { message: 'after' });
    // the sentinel: another endpoint's delivery of a later chat; the dispatcher goes in log
    // order, so by then it has decided about 'after' (no endpoint was active: no delivery)
    const sentinel = await startReceiver();
    try {
      await api(app)
        .post('/api/webhooks/')
        .send({ url: sentinel.url, events: ['chat:created'] })
        .expect(201);
      await createChat(app, campaign.id, { message: 'sentinel' });
      await eventually(() => sentinel.hits.length === 1, 60_000, 'the sentinel delivery', 100);
      expect(sentinel.hits[0].body.data.message).toBe('sentinel');
    } finally {
      await sentinel.close();
    }
    const { body: after } = await api(app).get(`/api/webhooks/${endpoint.id}/deliveries/`).expect(200);
    expect(after.count).toBe(1);
    // a redeliver to an inactive endpoint is refused; switching it on again starts afresh
    await api(app).post(`/api/webhooks/${endpoint.id}/deliveries/${log.results[0].id}/redeliver/`).expect(409);
    expect(receiver.hits.length).toBe(hits);
    const { body: again } = await api(app).patch(`/api/webhooks/${endpoint.id}/`).send({ active: true }).expect(200);
    expect(again).toMatchObject({ active: true, deactivated_at: null, deactivated_reason: null, failing_since: null });
  });
});
