/**
 * Heavy campaign benchmark: what a campaign with 100,000 chats costs with and without `?nested=false`.
 *
 *   npm run bench:heavy                         # N=20, MAX_S=30, CHATS=100000, LIGHT=20
 *   N=50 MAX_S=120 npm run bench:heavy          # more samples
 *   DATABASE_URL=postgres://… npm run bench:heavy   # an EMPTY database (superuser: the seed sets
 *                                                   # session_replication_role)
 *
 * One fresh `node dist/main.js` (rebuilt first) on a Postgres embedded in a temp dir. LIGHT campaigns
 * (5 chats each) and then the heavy one (so it is the newest, first on the list page) are created
 * through REST; the chats are generated in SQL with `session_replication_role = replica`, so no
 * events are logged for them. Then, one request at a time over one keep-alive connection, N GETs
 * (after one unmeasured; fewer if a row takes over MAX_S s, but at least 3: column n) of the list
 * page and of the heavy campaign's detail, with the nested arrays ("before", the default) and with
 * `?nested=false` ("after"): latency to the last byte, p50/p99, req/s (n / elapsed) and response
 * bytes. Last, a subscriber of the heavy room receives the `campaign:updated` of a PATCH: its size
 * against the same event carrying the nested detail (what it carried before it was trimmed to the
 * campaign's own fields).
 * Rate limits and auth are off in the server, and its statement deadline is raised to 120 s so
 * that the nested heavy campaign is measured rather than cut short (503).
 * Results: bench-results/heavy-<timestamp>.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import type { CampaignFields, LiveEvent } from '../src/protocol';
import type { ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../src/protocol';
import { post } from './support/bare-server';
import { cpuBusy, freePort, processGroup, UNTHROTTLED_ENV } from './support/processes';

const ROOT = resolve(__dirname, '..');
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const [N, MAX_S, CHATS, LIGHT] = [knob('N', 20), knob('MAX_S', 30), knob('CHATS', 100_000), knob('LIGHT', 20)];
const SERVER_ENV = {
  ...UNTHROTTLED_ENV,
  // the nested heavy campaign can take longer than the default 5 s deadline on a busy machine:
  // measured, not cut at 503
  STATEMENT_TIMEOUT_MS: '120000',
};
const log = (msg: string) => console.error(`[bench] ${msg}`);
const group = processGroup(log);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** Creates the campaigns through REST (the heavy one last), then their chats in SQL without events. */
async function seed(base: string, databaseUrl: string): Promise<string> {
  const agent = new Agent({ keepAlive: true });
  const create = async (title: string) => {
    const res = await post(agent, `${base}/api/campaigns/`, { title });
    if (res.status !== 201) throw new Error(`creating a campaign: ${res.status} ${res.text}`);
    return (JSON.parse(res.text) as { id: string }).id;
  };
  const light: string[] = [];
  for (let i = 0; i < LIGHT; i++) light.push(await create(`light campaign ${i}`));
  const heavy = await create('heavy campaign');
  agent.destroy();
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    // replica: no trigger fires, so the events log stays empty (and no NOTIFY reaches the server)
    await db.query('SET session_replication_role = replica');
    const insert = `INSERT INTO chats (campaign_id, author, message, created_at)
      SELECT $1, (ARRAY['human', 'ai', 'tool'])[1 + g % 3], 'heavy chat number ' || g || ': a typical short message',
             now() - ($2 - g) * interval '1 ms'
      FROM generate_series(1, $2) g`;
    await db.query(insert, [heavy, CHATS]);
    for (const id of light) await db.query(insert, [id, 5]);
    await db.query('RESET session_replication_role');
    await db.query('ANALYZE chats');
  } finally {
    await db.end();
  }
  return heavy;
}

/** One GET to the last byte: milliseconds, bytes, status. */
function fetchOnce(agent: Agent, url: string): Promise<{ ms: number; bytes: number; status: number }> {
  const t0 = performance.now();
  return new Promise((done, fail) => {
    get(url, { agent }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => done({ ms: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
    }).on('error', fail);
  });
}

const percentile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]);
};

/** N sequential GETs (fewer if MAX_S runs out first, but at least 3), after one unmeasured one. */
async function measure(url: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  await fetchOnce(agent, url);
  const results = [];
  const t0 = performance.now();
  while (results.length < N && (results.length < 3 || performance.now() - t0 < MAX_S * 1000)) {
    results.push(await fetchOnce(agent, url));
  }
  const elapsedS = (performance.now() - t0) / 1000;
  agent.destroy();
  const ms = results.map((r) => r.ms);
  const [p50, p99] = [percentile(ms, 0.5), percentile(ms, 0.99)];
  const bytes = results.find((r) => r.status === 200)?.bytes ?? NaN;
  const non200 = results.filter((r) => r.status !== 200).length;
  return { n: results.length, p50, p99, reqPerS: round(results.length / elapsedS, 2), bytes, non200 };
}

/** The campaign:updated a subscriber of the heavy room receives after a PATCH. */
async function updatedEvent(base: string, heavy: string): Promise<LiveEvent<CampaignFields>> {
  const socket: Socket<S2C, C2S> = connect(base, { transports: ['websocket'], reconnection: false, forceNew: true });
  try {
    const ack = await socket.timeout(10_000).emitWithAck('subscribe', { campaignId: heavy });
    if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
    const received = new Promise<LiveEvent<CampaignFields>>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('no campaign:updated within 10 s')), 10_000);
      socket.once('campaign:updated', (e) => (clearTimeout(timer), done(e)));
    });
    const patch = await fetch(`${base}/api/campaigns/${heavy}/`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'heavy campaign (renamed)' }),
    });
    if (patch.status !== 200) throw new Error(`PATCH answered ${patch.status}: ${await patch.text()}`);
    return await received;
  } finally {
    socket.disconnect();
  }
}

async function eventSizes(base: string, heavy: string) {
  const event = await updatedEvent(base, heavy);
  const res = await fetch(`${base}/api/campaigns/${heavy}/`);
  if (res.status !== 200) throw new Error(`GET of the nested detail answered ${res.status}: ${await res.text()}`);
  const nested = (await res.json()) as object;
  // the same event as it was before the trim: the nested detail as its data
  const [after, before] = [event, { ...event, data: nested }].map((e) => Buffer.byteLength(JSON.stringify(e)));
  return { before, after, ratio: round(before / after) };
}

async function startServer(): Promise<{ base: string; databaseUrl: string }> {
  const databaseUrl = process.env.DATABASE_URL ?? (await group.startPostgres('chat'));
  const port = await freePort();
  const env = { ...process.env, ...SERVER_ENV, DATABASE_URL: databaseUrl, PORT: String(port) };
  const proc = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' });
  const { url } = await group.start('server', port, proc, { readyMs: 120_000 });
  return { base: url, databaseUrl };
}

function report(rows: Record<string, Awaited<ReturnType<typeof measure>>>, events: object) {
  const ratio = (b: string, a: string) => {
    const [x, y] = [rows[b], rows[a]];
    return { p50: round(x.p50 / y.p50), p99: round(x.p99 / y.p99), reqPerS: round(x.reqPerS / y.reqPerS, 3) };
  };
  const withBytes = (b: string, a: string) => ({ ...ratio(b, a), bytes: round(rows[b].bytes / rows[a].bytes) });
  const ratios = {
    'list before/after': withBytes('list before', 'list after'),
    'detail before/after': withBytes('detail before', 'detail after'),
  };
  console.table({ ...rows, ...ratios });
  console.log('campaign:updated event bytes (before = with the nested detail, after = own fields):');
  console.table({ 'campaign:updated': events });
  return ratios;
}

async function main(): Promise<void> {
  if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  process.on('SIGINT', () => void group.stop().finally(() => process.exit(130)));
  const loadAvgAtStart = loadavg().map((l) => round(l, 2));
  const cpuBusyBefore = await cpuBusy('before start', log);
  const { base, databaseUrl } = await startServer();
  const heavy = await seed(base, databaseUrl);
  log(`seeded: ${LIGHT} light campaigns and one of ${CHATS} chats; ${N} requests per row`);
  const rows = {
    'list before': await measure(`${base}/api/campaigns/`),
    'list after': await measure(`${base}/api/campaigns/?nested=false`),
    'detail before': await measure(`${base}/api/campaigns/${heavy}/`),
    'detail after': await measure(`${base}/api/campaigns/${heavy}/?nested=false`),
  };
  const events = await eventSizes(base, heavy);
  await group.stop();
  const ratios = report(rows, events);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `heavy-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: cpus().length, loadAvgAtStart, cpuBusyBefore };
  const settings = { N, CHATS, LIGHT };
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), machine, settings, rows, ratios, events }, null, 2),
  );
  console.log(`\nresults written to ${file}`);
}

main().catch(async (err) => {
  console.error(err);
  await group.stop();
  process.exitCode = 1;
});
