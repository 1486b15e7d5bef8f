/**
 * Webhooks benchmark: one server (src/main.ts under tsx, in a child process) on a throwaway
 * embedded Postgres, a receiver in this process on loopback, answering 200 at once.
 *
 *   npm run bench:webhooks      (DURATION=10s, BURST=3000, RATE=50, SECONDS=10, WEBHOOK_CONCURRENCY=10)
 *
 * 1. write cost: wrk (2 threads, 32 connections) on POST /api/chats/ with 0 endpoints, then
 *    again with 10 active endpoints receiving every chat (deliveries run meanwhile); the
 *    backlog left by the second run is then dropped from the queue;
 * 2. throughput: BURST chats written by SQL (100 per transaction) to 1 endpoint; deliveries/s
 *    from the first write to the last delivery;
 * 3. latency: RATE chats/s for SECONDS to 1 endpoint; commit (the event's created_at) to the
 *    receiver's arrival, p50 and p99.
 * Everything shares the machine's cores, so the figures are for comparing runs, not absolutes.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { migrate } from '../src/postgres/migrate';
import { percentile } from './support/http-clients';
import { freePort, processGroup, sleep } from './support/processes';

const ROOT = resolve(__dirname, '..');
const DURATION = process.env.DURATION ?? '10s';
const BURST = Number(process.env.BURST ?? 3000);
const RATE = Number(process.env.RATE ?? 50);
const SECONDS = Number(process.env.SECONDS ?? 10);
const log = (msg: string) => console.error(`[bench] ${msg}`);

interface Arrival {
  cursor: string;
  committedAt: number;
  at: number;
}

/** The receiver: records arrival time and commit time of each delivery, answers 204. */
async function startReceiver() {
  const arrivals: Arrival[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { cursor: string; created_at: string };
      arrivals.push({ cursor: body.cursor, committedAt: Date.parse(body.created_at), at: Date.now() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, arrivals, close: () => new Promise((done) => server.close(done)) };
}

function wrk(url: string, lua: string): Promise<number> {
  return new Promise((done, fail) => {
    const child = spawn('wrk', ['-t2', '-c32', `-d${DURATION}`, '--timeout', '10s', '-s', lua, url]);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', fail);
    child.on('close', () => {
      const m = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      if (non2xx) fail(new Error(`wrk saw ${non2xx[1]} non-2xx answers`));
      else done(m ? Number(m[1]) : NaN);
    });
  });
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

async function main(): Promise<void> {
  const group = processGroup(log);
  const receiver = await startReceiver();
  try {
    const dbUrl = await group.startPostgres('bench');
    await migrate(dbUrl);
    const db = new Client({ connectionString: dbUrl });
    await db.connect();
    const port = await freePort();
    const loader = pathToFileURL(require.resolve('tsx')).href;
    const proc = spawn(process.execPath, ['--import', loader, 'src/main.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        AUTH: 'none',
        LOG_LEVEL: 'warn',
        MIGRATE_ON_START: 'false',
        RATE_LIMIT_READS_PER_MINUTE: '0',
        RATE_LIMIT_WRITES_PER_MINUTE: '0',
        MAX_INFLIGHT_PER_CLIENT: '0',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_INTERVAL_MS: '200',
      },
    });
    const server = await group.start('server', port, proc);
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { id: string };
    };
    const campaign = (await post('/api/campaigns/', { title: 'bench' })).id;
    const lua = join(await group.tempDir('chat-bench-wh-'), 'post-chat.lua');
    const chat = JSON.stringify({ campaign, author: 'human', message: 'bench' });
    writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${chat}'\n`);

    // 1. the write path with 0 and with 10 endpoints
    const rps0 = await wrk(`${server.url}/api/chats/`, lua);
    log(`chat create, 0 endpoints: ${rps0.toFixed(0)} req/s`);
    const ten = [];
    for (let i = 0; i < 10; i++)
      ten.push((await post('/api/webhooks/', { url: `${receiver.url}?n=${i}`, events: ['chat:created'] })).id);
    const rps10 = await wrk(`${server.url}/api/chats/`, lua);
    log(`chat create, 10 endpoints: ${rps10.toFixed(0)} req/s (${receiver.arrivals.length} deliveries during the run)`);
    await db.query('UPDATE webhook_endpoints SET active = false');
    // drop the backlog from the queue (a failed job left there would still be scanned)
    await db.query(`SELECT graphile_worker.remove_job(key) FROM graphile_worker.jobs WHERE locked_at IS NULL`);
    await db.query('DELETE FROM webhook_endpoints');
    await sleep(2_000); // the few attempts in flight when the backlog was dropped
    receiver.arrivals.length = 0;

    // 2. throughput to one endpoint
    await post('/api/webhooks/', { url: receiver.url, events: ['chat:created'] });
    const insert = (n: number) =>
      db.query(
        `INSERT INTO chats (campaign_id, author, message) SELECT $1, 'human', 'burst ' || i FROM generate_series(1, $2) i`,
        [campaign, n],
      );
    const burstStart = Date.now();
    for (let done = 0; done < BURST; done += 100) await insert(Math.min(100, BURST - done));
    await until(() => receiver.arrivals.length >= BURST, 600_000, 'the burst');
    const perSecond = BURST / ((receiver.arrivals[receiver.arrivals.length - 1].at - burstStart) / 1000);
    log(`throughput: ${perSecond.toFixed(0)} deliveries/s (${BURST} chats, 1 endpoint)`);
    receiver.arrivals.length = 0;

    // 3. commit-to-delivery at a steady rate
    const total = RATE * SECONDS;
    const start = Date.now();
    for (let i = 0; i < total; i++) {
      await sleep(Math.max(0, start + (i * 1000) / RATE - Date.now()));
      await insert(1);
    }
    await until(() => receiver.arrivals.length >= total, 120_000, 'the steady deliveries');
    const lags = receiver.arrivals.map((a) => a.at - a.committedAt);
    const p50 = percentile(lags, 0.5);
    const p99 = percentile(lags, 0.99);
    log(`commit to delivery at ${RATE} chats/s: p50 ${p50} ms, p99 ${p99} ms`);
    await db.end();

    const result = { rps0, rps10, ratio: rps10 / rps0, deliveriesPerSecond: perSecond, lagP50Ms: p50, lagP99Ms: p99 };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await receiver.close();
    await group.stop();
  }
}

main().catch((err: Error) => {
  console.error(err);
  process.exitCode = 1;
});
