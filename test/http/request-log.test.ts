import { Writable } from 'node:stream';
import pino from 'pino';
import type { App } from '../../src/app';
import { createApp } from '../../src/app';
import { testConfig } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api, createCampaign } from '../support/http';
import { bearer, jwtConfig, token } from '../support/tokens';

/** An instance whose log lines are kept for the test to read. */
async function loggedApp(overrides = {}): Promise<{ app: App; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  const app = createApp(testConfig(await createTestDatabase(), overrides), pino({ level: 'info' }, sink));
  await app.start();
  return { app, lines };
}

const requestLines = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => l.req) as {
    req: { id: string; method: string; ip: string };
    route: string;
    res: { status: number };
    responseTime: number;
  }[];

describe('request logs', () => {
  let app: App;
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    ({ app, lines } = await loggedApp());
  });
  afterAll(() => app.stop());

  it('one line per request with its id, route template, status and duration; the id is echoed', async () => {
    const campaign = await createCampaign(app);
    const res = await api(app).get(`/api/campaigns/${campaign.id}/`).set('X-Request-Id', 'trace-42');
    expect(res.headers['x-request-id']).toBe('trace-42');
    const fresh = await api(app).get('/api/chats/?search=secret-term');
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const line = requestLines(lines).find((l) => l.req.id === 'trace-42');
    expect(line).toMatchObject({ req: { method: 'GET' }, route: '/api/campaigns/:id', res: { status: 200 } });
    expect(line?.responseTime).toEqual(expect.any(Number));
    const search = requestLines(lines).find((l) => l.req.id === fresh.headers['x-request-id']);
    expect(search?.route).toBe('/api/chats/');
    expect(JSON.stringify(lines)).not.toContain('secret-term');
  });

  it('an unusable X-Request-Id is replaced, and a 404 logs its path', async () => {
    const res = await api(app).get('/api/nothing-here').set('X-Request-Id', 'bad id with spaces');
    expect(res.status).toBe(404);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const line = requestLines(lines).find((l) => l.req.id === res.headers['x-request-id']);
    expect(line).toMatchObject({ route: '/api/nothing-here', res: { status: 404 } });
  });
});

describe('request logs with tokens', () => {
  it('never contain the token', async () => {
    const { app, lines } = await loggedApp(jwtConfig());
    try {
      const t = await token({ scope: 'admin' });
      await api(app).get('/api/campaigns/').set(bearer(t)).expect(200);
      await api(app).get('/api/campaigns/').set(bearer('not.a.token')).expect(401);
      expect(requestLines(lines).map((l) => l.res.status)).toEqual([200, 401]);
      expect(JSON.stringify(lines)).not.toContain(t.split('.')[2]);
      expect(JSON.stringify(lines)).not.toContain('not.a.token');
    } finally {
      await app.stop();
    }
  });
});
