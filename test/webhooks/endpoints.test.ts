import type { App } from '../../src/app';
import { freshApp, startApp } from '../support/app';
import { createTestDatabase, sql } from '../support/db';
import { api, createCampaign } from '../support/http';
import { bearer, jwtConfig, token } from '../support/tokens';
import { testWebhooks } from '../support/webhooks';

describe('webhook endpoints', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp({ webhooks: testWebhooks() }));
  });
  afterAll(() => app.stop());

  it('creates an endpoint with a secret shown once, then never again', async () => {
    const created = await api(app)
      .post('/api/webhooks/')
      .send({ url: 'http://127.0.0.1:9/hook', events: ['chat:created'] })
      .expect(201);
    expect(created.body).toMatchObject({
      url: 'http://127.0.0.1:9/hook',
      campaign: null,
      events: ['chat:created'],
      active: true,
      failing_since: null,
      deactivated_at: null,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const read = await api(app).get(`/api/webhooks/${created.body.id}`).expect(200);
    expect(read.body).not.toHaveProperty('secret');
    const page = await api(app).get('/api/webhooks/').expect(200);
    expect(page.body).toMatchObject({ count: 1, next: null, previous: null });
    expect(page.body.results[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(page.body)).not.toContain(created.body.secret);
  });

  it('rotates the secret: the new one is returned once and replaces the old', async () => {
    const { body } = await api(app)
      .post('/api/webhooks/')
      .send({ url: 'http://127.0.0.1:9/x', events: ['chat:created'] })
      .expect(201);
    const rotated = await api(app).post(`/api/webhooks/${body.id}/rotate/`).expect(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(body.secret);
    const [row] = await sql<{ secret: string }>(url, 'SELECT secret FROM webhook_endpoints WHERE id = $1', [body.id]);
    expect(row.secret).toBe(rotated.body.secret);
    await api(app).get(`/api/webhooks/${body.id}/rotate`).expect(405);
  });

  it('answers field-keyed 400s for a bad url, events and campaign, all at once', async () => {
    const res = await api(app)
      .post('/api/webhooks/')
      .send({ url: 'ftp://example.com/', events: ['chat:exploded'], campaign: '00000000-0000-0000-0000-000000000000' })
      .expect(400);
    expect(res.body).toEqual({ url: ['Enter a valid URL.'], events: ['"chat:exploded" is not a valid choice.'] });
    const missing = await api(app)
      .post('/api/webhooks/')
      .send({ url: 'http://127.0.0.1:9/', events: ['chat:created'], campaign: '00000000-0000-0000-0000-000000000000' })
      .expect(400);
    expect(missing.body).toEqual({
      campaign: ['Invalid pk "00000000-0000-0000-0000-000000000000" - object does not exist.'],
    });
    const empty = await api(app).post('/api/webhooks/').send({ url: 'http://127.0.0.1:9/', events: [] }).expect(400);
    expect(empty.body).toEqual({ events: ['This list may not be empty.'] });
  });

  it('updates, filters by campaign, reactivates and deletes', async () => {
    const campaign = await createCampaign(app);
    const { body } = await api(app)
      .post('/api/webhooks')
      .send({ url: 'http://127.0.0.1:9/c', events: ['chat:created'], campaign: campaign.id })
      .expect(201);
    expect(body.campaign).toBe(campaign.id);
    await sql(
      url,
      `UPDATE webhook_endpoints SET active = false, deactivated_at = now(), deactivated_reason = 'x' WHERE id = $1`,
      [body.id],
    );
    const patched = await api(app)
      .patch(`/api/webhooks/${body.id}/`)
      .send({ active: true, events: ['chat:deleted'] })
      .expect(200);
    expect(patched.body).toMatchObject({
      active: true,
      deactivated_at: null,
      deactivated_reason: null,
      events: ['chat:deleted'],
    });
    const filtered = await api(app).get(`/api/webhooks/?campaign=${campaign.id}`).expect(200);
    expect(filtered.body.results.map((w: { id: string }) => w.id)).toEqual([body.id]);
    await api(app).delete(`/api/webhooks/${body.id}/`).expect(204);
    await api(app).get(`/api/webhooks/${body.id}/`).expect(404);
    await api(app).get(`/api/webhooks/${body.id}/deliveries/`).expect(404);
  });
});

describe('the OpenAPI document', () => {
  it('describes the webhook routes', async () => {
    const { app } = await freshApp({ webhooks: testWebhooks({ enabled: false }) });
    try {
      const doc = await api(app).get('/api/openapi.json').expect(200);
      expect(Object.keys(doc.body.paths)).toEqual(
        expect.arrayContaining([
          '/api/webhooks/',
          '/api/webhooks/{id}/',
          '/api/webhooks/{id}/rotate/',
          '/api/webhooks/{id}/deliveries/',
          '/api/webhooks/{id}/deliveries/{delivery}/redeliver/',
        ]),
      );
    } finally {
      await app.stop();
    }
  });
});

describe('webhook receivers on private addresses', () => {
  let app: App;
  beforeAll(async () => {
    ({ app } = await freshApp({ webhooks: testWebhooks({ allowPrivate: false }) }));
  });
  afterAll(() => app.stop());

  it.each([
    'http://127.0.0.1:8080/hook',
    'http://localhost/hook',
    'http://10.1.2.3/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[fd00::1]/',
    'http://0.0.0.0/',
  ])('refuses %s with a 400 on url', async (target) => {
    const res = await api(app)
      .post('/api/webhooks/')
      .send({ url: target, events: ['chat:created'] })
      .expect(400);
    expect(Object.keys(res.body)).toEqual(['url']);
    expect(res.body.url[0]).toMatch(/private/);
  });
});

describe('webhooks and tokens', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(await createTestDatabase(), { ...jwtConfig(), webhooks: testWebhooks({ enabled: false }) });
  });
  afterAll(() => app.stop());

  it('need the admin scope over every campaign', async () => {
    const body = { url: 'http://127.0.0.1:9/', events: ['chat:created'] };
    await api(app).post('/api/webhooks/').send(body).expect(401);
    const writer = await token({ scope: 'write' });
    await api(app).get('/api/webhooks/').set(bearer(writer)).expect(403);
    const someAdmin = await token({ scope: 'admin', campaigns: ['11111111-1111-1111-1111-111111111111'] });
    await api(app).post('/api/webhooks/').set(bearer(someAdmin)).send(body).expect(403);
    const admin = await token({ scope: 'admin' });
    await api(app).get('/api/webhooks/').set(bearer(admin)).expect(200);
  });
});
