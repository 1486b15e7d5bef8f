import { request, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createApp, type App } from '../../src/app';
import type { Config } from '../../src/config';
import { testConfig } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api, createCampaign } from '../support/http';
import { startNginx, type Nginx } from '../support/nginx';
import { closeSockets, eventually, open } from '../support/sockets';

/** A GET through nginx from a given loopback source address (127.0.0.2 is not nginx's). */
function getFrom(base: string, path: string, localAddress: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { localAddress }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A GET through nginx whose body is read as it arrives: `until(check)` waits until `check` holds for the text so far. */
function streamFrom(base: string, path: string, localAddress: string) {
  return new Promise<{ res: IncomingMessage; until: (check: (text: string) => boolean) => Promise<string> }>(
    (resolve, reject) => {
      const req = request(`${base}${path}`, { localAddress }, (res) => {
        let text = '';
        let ended = false;
        const waiters = new Set<() => void>();
        res.setEncoding('utf8');
        res.on('data', (c: string) => ((text += c), waiters.forEach((w) => w())));
        res.on('end', () => ((ended = true), waiters.forEach((w) => w())));
        const until = (check: (text: string) => boolean) =>
          new Promise<string>((done, fail) => {
            const look = () => {
              if (check(text)) done(text);
              else if (ended) fail(new Error(`the stream ended; got ${JSON.stringify(text)}`));
              else return;
              waiters.delete(look);
            };
            waiters.add(look);
            look();
          });
        resolve({ res, until });
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('behind nginx with the shipped configuration', () => {
  let a: App, b: App;
  let nginx: Nginx;
  const logs: { req?: { ip: string }; route?: string }[] = [];
  beforeAll(async () => {
    const url = await createTestDatabase();
    const sink = new Writable({
      write(chunk, _enc, done) {
        logs.push(JSON.parse(chunk.toString()));
        done();
      },
    });
    const settings: Partial<Config> = {
      trustProxy: 1,
      rateLimits: { ...testConfig(url).rateLimits, readsPerMinute: 3 },
    };
    [a, b] = [createApp(testConfig(url, settings), pino(sink)), createApp(testConfig(url, settings), pino(sink))];
    await Promise.all([a.start(), b.start()]);
    nginx = await startNginx([new URL(a.url).host, new URL(b.url).host]);
  }, 30_000);
  afterEach(closeSockets);
  afterAll(async () => {
    await nginx?.stop();
    await Promise.all([a?.stop(), b?.stop()]);
  });

  it('a polling-first client and a websocket-only client both subscribe and receive', async () => {
    const campaign = await createCampaign(a);
    const polling = await open(nginx, {}, ['polling', 'websocket']);
    const websocket = await open(nginx, {}, ['websocket']);
    await polling.subscribe(campaign.id);
    await websocket.subscribe(campaign.id);
    // written straight to each instance, so both instances' fan-out is crossed
    await api(a).post('/api/chats/').send({ campaign: campaign.id, author: 'human', message: 'one' }).expect(201);
    await api(b).post('/api/chats/').send({ campaign: campaign.id, author: 'ai', message: 'two' }).expect(201);
    const messages = (s: typeof polling) => s.received.map((r) => r.event.data.message);
    await eventually(
      () => polling.received.length === 2 && websocket.received.length === 2,
      10_000,
      'delivery via nginx',
    );
    expect({ polling: messages(polling), websocket: messages(websocket) }).toEqual({
      polling: ['one', 'two'],
      websocket: ['one', 'two'],
    });
  });

  it('REST works through it, with next links on the address the client used', async () => {
    await createCampaign(b);
    await createCampaign(b);
    const res = await getFrom(nginx.url, '/api/campaigns/?page_size=1', '127.0.0.4');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).next).toBe(`${nginx.url}/api/campaigns/?page_size=1&page=2`);
  });

  it("passes the AI SDK's stream through live: a piece appended after the client connected arrives before the end", async () => {
    const campaign = await createCampaign(a);
    const { body: chat } = await api(a)
      .post('/api/chats/')
      .send({ campaign: campaign.id, author: 'ai', status: 'streaming', message: 'so far' })
      .expect(201);
    const { res, until } = await streamFrom(nginx.url, `/api/campaigns/${campaign.id}/stream`, '127.0.0.5');
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/event-stream']);
    await until((t) => t.includes('"delta":"so far"'));
    // written on the other instance: whichever one nginx chose, the piece crosses the feed
    await api(b).post(`/api/chats/${chat.id}/append/`).send({ seq: 1, text: ' and live' }).expect(200);
    const live = await until((t) => t.includes('"delta":" and live"'));
    expect(live).not.toContain('[DONE]');
    await api(b).post(`/api/chats/${chat.id}/finish/`).send({}).expect(200);
    expect(await until((t) => t.endsWith('data: [DONE]\n\n'))).toContain('"type":"finish"');
  });

  it('does not expose /metrics to the outside', async () => {
    expect((await getFrom(nginx.url, '/metrics', '127.0.0.4')).status).toBe(404);
    await api(a).get('/metrics').expect(200);
  });

  it("with TRUST_PROXY the rate limits and the logs see the client's address, not nginx's", async () => {
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await getFrom(nginx.url, '/api/', '127.0.0.2')).status);
    expect(first).toEqual([200, 200, 200, 429]);
    expect((await getFrom(nginx.url, '/api/', '127.0.0.3')).status).toBe(200);
    const ips = logs.filter((l) => l.route === '/api/').map((l) => l.req?.ip);
    expect(ips).toEqual(['127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.2', '127.0.0.3']);
  });
});
