import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Client } from 'pg';
import type { App } from '../../src/app';
import { freshApp, startApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { eventually } from '../support/sockets';

/** Statements of the app's API pool that Postgres is running now (waiting on a lock included). */
const apiBackendsBusy = (url: string) =>
  sql<{ n: number }>(
    url,
    `SELECT count(*)::int AS n FROM pg_stat_activity
     WHERE datname = current_database() AND application_name = 'chat-api' AND state <> 'idle'`,
  ).then(([r]) => r.n);

/** Until `n` statements of the app's API pool are running. */
const busyBackends = (url: string, n: number, what: string) =>
  eventually(async () => (await apiBackendsBusy(url)) === n, 5_000, what);

/** Holds an exclusive lock on `table` in a session of its own until released. */
async function lockTable(url: string, table: string): Promise<{ release(): Promise<void> }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    async release() {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

describe('bounded query input', () => {
  let app: App;
  beforeAll(async () => {
    ({ app } = await freshApp());
  });
  afterAll(() => app.stop());

  it('more than 10 distinct search terms is a 400 on search, not a silent truncation', async () => {
    const terms = Array.from({ length: 11 }, (_, i) => `t${i}`).join(' ');
    const res = await api(app).get('/api/chats/').query({ search: terms });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ search: ['Ensure this field has no more than 10 distinct search terms.'] });
  });

  it('a search term over 100 characters is a 400 on search', async () => {
    const res = await api(app)
      .get('/api/datas/')
      .query({ search: 'x'.repeat(8_000) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ search: ['Ensure each search term has no more than 100 characters.'] });
  });

  it('repeated terms count once: 2,000 copies of one term is one term', async () => {
    const campaign = await createCampaign(app, { title: 'Alpha' });
    const res = await api(app)
      .get('/api/campaigns/')
      .query({ search: Array(2_000).fill('alpha').join(',') + ',ALPHA' });
    expect(res.status).toBe(200);
    expect(res.body.results.map((c: { id: string }) => c.id)).toEqual([campaign.id]);
  });

  it('ordering is bounded in length and in fields', async () => {
    const many = await api(app)
      .get('/api/campaigns/')
      .query({ ordering: Array(11).fill('title').join(',') });
    expect(many.status).toBe(400);
    expect(many.body).toEqual({ ordering: ['Ensure this field has no more than 10 ordering fields.'] });
    const long = await api(app)
      .get('/api/campaigns/')
      .query({ ordering: 'x'.repeat(201) });
    expect(long.status).toBe(400);
    expect(long.body).toEqual({ ordering: ['Ensure this field has no more than 200 characters.'] });
  });

  it('an HTTP/1.0 request without Host gets next links on the address it reached', async () => {
    await createCampaign(app);
    await createCampaign(app);
    const { port } = new URL(app.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () =>
        socket.write('GET /api/campaigns/?page_size=1 HTTP/1.0\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4));
    expect(body.next).toBe(`http://127.0.0.1:${port}/api/campaigns/?page_size=1&page=2`);
  });
});

describe('costly searches on a big campaign', () => {
  let app: App;
  let url: string;
  let small: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp());
    const big = await createCampaign(app);
    small = (await createCampaign(app)).id;
    await createChat(app, small);
    // the probe's shape: many small chats plus two of 1 MB each
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message)
       SELECT $1::uuid, 'human', 'message number ' || g FROM generate_series(1, 20000) g
       UNION ALL SELECT $1::uuid, 'ai', repeat('lorem ipsum dolor sit amet ', 40000) FROM generate_series(1, 2)`,
      [big.id],
    );
  }, 60_000);
  afterAll(() => app.stop());

  it('four of the largest allowed searches at once: answered in seconds, a normal request meanwhile is prompt', async () => {
    const terms = Array.from({ length: 10 }, (_, i) => `${i}${'q'.repeat(99)}`).join(' ');
    const started = Date.now();
    const costly = Array.from({ length: 4 }, (_, i) =>
      api(app)
        .get(i % 2 ? '/api/chats/' : '/api/datas/')
        .query({ search: terms })
        .then((r) => r),
    );
    // durations are the behaviour here (a search hogging the database is only seen as time), so
    // the bounds are generous: the whole batch takes a few hundred ms on an idle machine, and the
    // searches' 5 s statement deadline is doubled
    const plain = Date.now();
    await api(app).get('/api/chats/').query({ campaign: small }).expect(200);
    expect(Date.now() - plain).toBeLessThan(3_000);
    const answers = await Promise.all(costly);
    expect(Date.now() - started).toBeLessThan(10_000);
    for (const res of answers) expect([200, 503]).toContain(res.status);
    // no query of the server outlives its answer
    expect(await apiBackendsBusy(url)).toBe(0);
  });
});

describe('the statement deadline', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp({ statementTimeoutMs: 500 }));
  });
  afterAll(() => app.stop());

  it('a query past its deadline is cancelled in Postgres and answered 503 with Retry-After', async () => {
    const lock = await lockTable(url, 'chats');
    try {
      const res = await api(app).get('/api/chats/');
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body).toEqual({ detail: 'The request took too long and was cancelled; try again shortly.' });
      // answered only once the backend stopped: nothing of ours still waits on the lock
      expect(await apiBackendsBusy(url)).toBe(0);
    } finally {
      await lock.release();
    }
    // the pool is healthy afterwards: as many requests at once as it has connections (10), so
    // that each connection serves one and none waits for another inside the 500 ms deadline
    for (let pass = 0; pass < 2; pass++) {
      const after = await Promise.all(Array.from({ length: 10 }, () => api(app).get('/api/chats/')));
      expect(after.map((r) => r.status)).toEqual(Array(10).fill(200));
    }
  });

  it('a client that goes away cancels its query', async () => {
    const patient = await startApp(url, { statementTimeoutMs: 60_000 });
    const lock = await lockTable(url, 'chats');
    try {
      const req = httpRequest(`${patient.url}/api/chats/`);
      req.on('error', () => undefined);
      req.end();
      await busyBackends(url, 1, 'the query to wait on the lock');
      req.destroy();
      // with a deadline a minute away, only the disconnect can have ended it
      await busyBackends(url, 0, 'the query to be cancelled');
    } finally {
      await lock.release();
      await patient.stop();
    }
  });
});

describe('in-flight requests per client', () => {
  let app: App;
  let url: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp({ maxInflightPerClient: 2, trustProxy: true }));
  });
  afterAll(() => app.stop());

  const from = (ip: string, path: string) => api(app).get(path).set('X-Forwarded-For', ip);

  it('one client with slow requests cannot take every connection from the others', async () => {
    const lock = await lockTable(url, 'chats');
    let slowAnswered = 0;
    const slow = [1, 2].map(() => from('10.0.0.1', '/api/chats/').then((r) => (slowAnswered++, r)));
    try {
      await busyBackends(url, 2, 'the slow requests to wait on the lock');
      const third = await from('10.0.0.1', '/api/campaigns/');
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBe('1');
      expect(third.body).toEqual({ detail: 'Too many requests in flight (at most 2 at once).' });
      // datas are not locked: another client is served while the slow ones still wait
      await from('10.0.0.2', '/api/datas/').expect(200);
      expect(slowAnswered).toBe(0);
    } finally {
      await lock.release();
    }
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    await from('10.0.0.1', '/api/campaigns/').expect(200);
  });
});

describe('slow clients', () => {
  let slowApp: App;
  beforeAll(async () => {
    ({ app: slowApp } = await freshApp({
      http: { headersTimeoutMs: 2_000, requestTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000 },
    }));
  });
  afterAll(() => slowApp.stop());

  it('1,000 half-sent requests neither stop a normal request nor outlive the headers timeout', async () => {
    const { port } = new URL(slowApp.url);
    const sockets: Socket[] = [];
    let closed = 0;
    let timedOut = 0;
    try {
      await Promise.all(
        Array.from(
          { length: 1_000 },
          () =>
            new Promise<void>((resolve, reject) => {
              const s = connect(Number(port), '127.0.0.1', () => {
                s.write('GET /api/campaigns/ HTTP/1.1\r\nHost: localhost\r\nX-Slow: '); // never finished
                resolve();
              });
              s.on('error', reject);
              s.on('close', () => closed++);
              // read, or the server's close is never seen
              s.on('data', (d) => String(d).startsWith('HTTP/1.1 408') && timedOut++);
              sockets.push(s);
            }),
        ),
      );
      // the duration is the behaviour (a request that waited for the 2 s headers timeout to free
      // the server would still succeed): about 50 ms on an idle machine, so the bound is generous
      const started = Date.now();
      await api(slowApp).get('/api/campaigns/').expect(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      // the server drops them once the headers timeout (2 s) has passed
      await eventually(() => closed === 1_000, 10_000, 'half-sent requests dropped');
      expect(timedOut).toBe(1_000);
    } finally {
      sockets.forEach((s) => s.destroy());
    }
  }, 30_000);
});
