import type { App } from '../../src/app';
import type { Config } from '../../src/config';
import { startApp, testConfig } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { closeSockets, eventually, open, request } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';

let url: string;
beforeAll(async () => {
  url = await createTestDatabase();
});
afterEach(closeSockets);

const limits = (overrides: Partial<Config['rateLimits']>): Partial<Config> => ({
  rateLimits: { ...testConfig(url).rateLimits, ...overrides },
});

describe('REST rate limits', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(url, { ...jwtConfig(), ...limits({ readsPerMinute: 3, writesPerMinute: 2 }) });
  });
  afterAll(() => app.stop());

  it('reads over the budget get 429 with Retry-After; writes and other subjects have their own budgets', async () => {
    const alice = bearer(await token({ sub: 'alice', scope: 'admin' }));
    const bob = bearer(await token({ sub: 'bob', scope: 'admin' }));
    for (let i = 0; i < 3; i++) await api(app).get('/api/campaigns/').set(alice).expect(200);
    const res = await api(app).get('/api/campaigns/').set(alice).expect(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.body).toEqual({ detail: expect.stringMatching(/throttled/) });
    await api(app).post('/api/campaigns/').set(alice).send({ title: 'still allowed' }).expect(201);
    await api(app).get('/api/campaigns/').set(bob).expect(200);
  });

  it('without a token the budget is per IP', async () => {
    const anonymous = await startApp(url, limits({ readsPerMinute: 1 }));
    await api(anonymous).get('/api/').expect(200);
    await api(anonymous).get('/api/').expect(429);
    await anonymous.stop();
  });
});

describe('socket limits', () => {
  it('an event over the per-connection budget gets rate_limited; sustained abuse is disconnected', async () => {
    const app = await startApp(url, limits({ socketEventsPerSecond: 2, socketStrikes: 3 }));
    const campaign = (await api(app).post('/api/campaigns/').send({ title: 'c' }).expect(201)).body.id;
    const { socket } = await open(app);
    const acks = await Promise.all([1, 2, 3].map(() => request(socket, 'subscribe', { campaignId: campaign })));
    expect(acks.filter((a) => a.ok)).toHaveLength(2);
    expect(acks.filter((a) => !a.ok)).toEqual([
      { ok: false, error: { code: 'rate_limited', message: expect.any(String) } },
    ]);
    const { socket: bystander } = await open(app);
    for (let i = 0; i < 10; i++) socket.emit('subscribe', { campaignId: campaign }, () => undefined);
    await eventually(() => !socket.connected, 5000, 'abuser disconnected');
    expect(bystander.connected).toBe(true);
    await app.stop();
  });

  it('connections per IP are capped', async () => {
    const app = await startApp(url, limits({ socketConnectionsPerIp: 2 }));
    await open(app);
    const second = await open(app);
    await expect(open(app)).rejects.toThrow('Too many connections from this address.');
    second.close();
    await eventually(() => app.io.engine.clientsCount === 1, 5000, 'the slot to be released');
    await expect(open(app)).resolves.toBeTruthy();
    await app.stop();
  });

  it('a payload over the message size limit is refused without affecting other clients', async () => {
    const app = await startApp(url, { socketMaxBufferBytes: 10_000 });
    const campaign = (await api(app).post('/api/campaigns/').send({ title: 'c' }).expect(201)).body.id;
    const { socket: big } = await open(app);
    const { socket: other } = await open(app);
    // no acknowledgement: the server drops the connection instead of answering
    (big as unknown as { emit(e: string, p: unknown): void }).emit('chat:create', {
      campaign,
      author: 'human',
      message: 'x'.repeat(50_000),
    });
    await eventually(() => !big.connected, 5000, 'oversized sender dropped');
    expect(other.connected).toBe(true);
    const ack = await request(other, 'chat:create', { campaign, author: 'human', message: 'fine' });
    expect(ack.ok).toBe(true);
    expect((await api(app).get(`/api/chats/?campaign=${campaign}`).expect(200)).body.count).toBe(1);
    await app.stop();
  });
});

describe('headers and cross-origin', () => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(url, { corsOrigins: ['https://app.example.com'] });
  });
  afterAll(() => app.stop());

  it('security headers are set and X-Powered-By is gone', async () => {
    const res = await api(app).get('/api/').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toBeDefined();
    expect(res.headers['content-security-policy']).toBeDefined();
  });

  it('one CORS allow-list serves Express and Socket.IO', async () => {
    const allowed = await api(app).get('/api/').set('Origin', 'https://app.example.com').expect(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const denied = await api(app).get('/api/').set('Origin', 'https://evil.example.com').expect(200);
    expect(denied.headers['access-control-allow-origin']).toBeUndefined();
    const handshake = await api(app)
      .get('/socket.io/?EIO=4&transport=polling')
      .set('Origin', 'https://app.example.com');
    expect(handshake.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const refused = await api(app).get('/socket.io/?EIO=4&transport=polling').set('Origin', 'https://evil.example.com');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the docs page still loads under the content security policy', async () => {
    const res = await api(app).get('/api/docs/').expect(200);
    expect(res.text).toContain('swagger-ui');
    expect(res.text).not.toMatch(/<script>(?!\s*<\/script>)[^<]+<\/script>/);
  });
});
