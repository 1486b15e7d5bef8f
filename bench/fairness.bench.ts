/**
 * Fairness benchmark: what the per-client in-flight cap (MAX_INFLIGHT_PER_CLIENT) is worth to
 * a normal client while another keeps slow searches in flight. Builds and starts this server
 * (`node dist/main.js`, TRUST_PROXY=true, AUTH=none, rate limits off), seeds one old campaign
 * with N_CHATS chats in SQL, then, for the cap off (0) and at its default (5):
 *   - an abusive client (X-Forwarded-For: 10.0.0.1) keeps ABUSIVE_CONNS searches for two
 *     terms that match nothing (a scan of every chat, twice: the count and the page) in
 *     flight, sending the next one as soon as an answer comes, whatever its status;
 *   - a normal client (X-Forwarded-For: 10.0.0.2) sends GET /api/campaigns/?page_size=5,
 *     one after the other, for DURATION.
 * The normal client alone, on the same server, is the baseline.
 *
 *   npm run bench:fairness
 *
 * Env: DURATION (10s), N_CHATS (300000), ABUSIVE_CONNS (32). DATABASE_URL runs against that
 * database instead of a throwaway one; it must be EMPTY and its user may set
 * session_replication_role (the seed skips triggers and foreign-key checks for speed).
 * DB_POOL_MAX and STATEMENT_TIMEOUT_MS are left at their defaults (8, 5000 ms) unless set.
 * Results: bench-results/fairness-<timestamp>.json
 */
import { fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import { Agent } from 'node:http';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { abusiveClient, get, newTally, percentile, statusCount, type Tally } from './support/http-clients';
import { cpuBusy, freePort, processGroup, sleep, type Instance } from './support/processes';

const ROOT = resolve(__dirname, '..');
const DURATION_MS = parseDuration(process.env.DURATION ?? '10s');
const N_CHATS = Number(process.env.N_CHATS ?? 300_000);
const ABUSIVE_CONNS = Number(process.env.ABUSIVE_CONNS ?? 32);
const CAP_DEFAULT = 5;
// two 30-character terms that no seeded chat contains
const SEARCH = `/api/chats/?search=quixoticzephyrjuxtaposedwombat%20kvetchingfjordsbanjoquizzymyth`;
const NORMAL = '/api/campaigns/?page_size=5';
const ABUSIVE_IP = '10.0.0.1';
const NORMAL_IP = '10.0.0.2';

interface NormalResult {
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
  status503: number;
  errors: number;
  statuses: Record<string, number>;
}
interface AbusiveResult {
  requests: number;
  status429: number;
  status503: number;
  statuses: Record<string, number>;
  errors: number;
  /** p50 of its searches that were answered 200. */
  searchP50Ms: number;
}

/** One run of the normal client; cpuBusyBefore: % of the machine busy just before it. */
type Phase = { cpuBusyBefore?: number; normal: NormalResult; abusive?: AbusiveResult };

const log = (msg: string) => console.error(`[bench] ${msg}`);
const group = processGroup(log);

function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text);
  if (!m) throw new Error(`DURATION must look like 10s, 1m or 500ms, not ${text}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm'];
}

/** The normal client: one request after the other for DURATION. */
async function normalClient(url: string): Promise<NormalResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const tally = newTally();
  // every request's latency, whatever its status: a quick 503 is no better than a slow 200
  const all: number[] = [];
  for (const end = Date.now() + DURATION_MS; Date.now() < end;) {
    const started = performance.now();
    await get(agent, url, NORMAL_IP, () => tally);
    all.push(performance.now() - started);
  }
  agent.destroy();
  const requests = all.length;
  return {
    requests,
    p50Ms: percentile(all, 0.5),
    p99Ms: percentile(all, 0.99),
    maxMs: percentile(all, 1),
    non2xx: requests - tally.errors - statusCount(tally, '200'),
    status503: statusCount(tally, '503'),
    errors: tally.errors,
    statuses: tally.statuses,
  };
}

/** The normal client's run while the abusive one keeps its searches in flight (3 s to ramp up first). */
async function underAbuse(base: string): Promise<Phase> {
  const cpuBusyBefore = await cpuBusy('before the abusive client starts', log);
  const child = fork(__filename, ['--abusive-client', `${base}${SEARCH}`, String(ABUSIVE_CONNS)]);
  const reported = new Promise<Tally>((done, fail) => {
    child.once('message', (tally) => done(tally as Tally));
    child.once('exit', (code) => fail(new Error(`the abusive client exited (${code}) before it reported`)));
  });
  reported.catch(() => undefined); // awaited after the normal client's run; an early exit must not crash us first
  try {
    await sleep(3000);
    child.send('window');
    const normal = await normalClient(`${base}${NORMAL}`);
    child.send('stop');
    const tally = await reported;
    const abusive = {
      requests: Object.values(tally.statuses).reduce((sum, n) => sum + n, 0),
      status429: statusCount(tally, '429'),
      status503: statusCount(tally, '503'),
      statuses: tally.statuses,
      errors: tally.errors,
      searchP50Ms: percentile(tally.latenciesMs, 0.5),
    };
    return { cpuBusyBefore, normal, abusive };
  } finally {
    child.kill();
  }
}

/** Starts `node dist/main.js` on a free port against url with the given cap. */
async function startServer(url: string, cap: number): Promise<Instance> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // 503s and 429s are what is counted here, not logged
    LOG_LEVEL: 'error',
    DATABASE_URL: url,
    TRUST_PROXY: 'true',
    AUTH: 'none',
    RATE_LIMIT_READS_PER_MINUTE: '0',
    RATE_LIMIT_WRITES_PER_MINUTE: '0',
    MAX_INFLIGHT_PER_CLIENT: String(cap),
  };
  const server = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' });
  return group.start(`server (cap ${cap})`, port, server);
}

/**
 * Ten small recent campaigns (what the normal client lists) and one old campaign holding
 * N_CHATS chats of varied text (what the searches scan). Triggers and foreign-key checks are
 * skipped (session_replication_role), which leaves the change feed without these rows: no
 * socket is listening here.
 */
async function seed(url: string): Promise<void> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const [{ n }] = (await db.query('SELECT count(*)::int AS n FROM campaigns')).rows as { n: number }[];
    if (n !== 0) throw new Error(`the database already holds ${n} campaigns; the bench needs an empty one`);
    const started = Date.now();
    await db.query('BEGIN');
    await db.query('SET LOCAL session_replication_role = replica');
    const [{ id }] = (
      await db.query(
        `INSERT INTO campaigns (title, created_at) VALUES ('archive', now() - interval '30 days') RETURNING id`,
      )
    ).rows as { id: string }[];
    await db.query(
      `INSERT INTO chats (campaign_id, author, message, created_at)
       SELECT $1, (ARRAY['human', 'ai', 'tool'])[1 + i % 3],
              (ARRAY['hello', 'can you', 'please summarise', 'the numbers for', 'thanks for', 'what about',
                     'draft a reply to', 'remind me of'])[1 + i % 8]
              || ' ' || (ARRAY['the budget', 'our audience', 'this week', 'the launch', 'pricing', 'the brief',
                               'the last report'])[1 + (i / 8) % 7]
              || ' ' || md5(i::text) || ' #' || i,
              now() - interval '29 days' + i * interval '1 second'
       FROM generate_series(1, $2::int) AS i`,
      [id, N_CHATS],
    );
    await db.query(
      `WITH k AS (
         INSERT INTO campaigns (title, description, created_at)
         SELECT 'campaign ' || i, 'a recent campaign', now() - i * interval '1 minute'
         FROM generate_series(1, 10) AS i RETURNING id)
       INSERT INTO chats (campaign_id, author, message)
       SELECT k.id, 'human', 'message ' || j FROM k, generate_series(1, 3) AS j`,
    );
    await db.query('COMMIT');
    await db.query('VACUUM ANALYZE campaigns, chats');
    log(`seeded ${N_CHATS} chats in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await db.end();
  }
}

/** The slow search alone, sequentially (the first one also warms the cache): its median latency. */
async function searchAlone(base: string): Promise<number> {
  const agent = new Agent({ keepAlive: true });
  const tally = newTally();
  for (let i = 0; i < 5; i++) await get(agent, `${base}${SEARCH}`, ABUSIVE_IP, () => tally);
  agent.destroy();
  if (statusCount(tally, '200') !== 5) throw new Error(`the search alone failed: ${JSON.stringify(tally.statuses)}`);
  return percentile(tally.latenciesMs.slice(1), 0.5);
}

async function bench(): Promise<{ searchAloneMs: number; alone: Phase; capOff: Phase; capOn: Phase }> {
  await spawnBuild();
  try {
    const url = process.env.DATABASE_URL || (await group.startPostgres('chat'));
    let server = await startServer(url, CAP_DEFAULT); // migrates
    await seed(url);
    const searchAloneMs = await searchAlone(server.url);
    log(`one search alone: ${searchAloneMs} ms (median of 4 after a warm-up)`);
    log('normal client alone');
    const alone = { normal: await normalClient(`${server.url}${NORMAL}`) };
    log(`cap on (${CAP_DEFAULT}): abusive + normal`);
    const capOn = await underAbuse(server.url);
    await group.end(server);
    server = await startServer(url, 0);
    log('cap off: abusive + normal');
    const capOff = await underAbuse(server.url);
    return { searchAloneMs, alone, capOff, capOn };
  } finally {
    await group.stop();
  }
}

function spawnBuild(): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done() : fail(new Error(`npm run build exited ${code}`))));
  });
}

function report(r: Awaited<ReturnType<typeof bench>>): void {
  const f = (n: number, d = 1) => (Number.isNaN(n) ? '-' : n.toFixed(d));
  const row = (cells: string[]) => console.log(cells.map((c, i) => (i ? c.padStart(12) : c.padEnd(26))).join(''));
  const secs = DURATION_MS / 1000;
  console.log(`\none search alone: ${f(r.searchAloneMs)} ms; ${ABUSIVE_CONNS} in flight from the abusive client`);
  console.log(`\nnormal client (sequential GET ${NORMAL}, ${secs} s)`);
  row(['run', 'requests', 'p50 ms', 'p99 ms', 'max ms', 'non-2xx', '503', 'errors']);
  const phases: [string, Phase][] = [
    ['alone', r.alone],
    ['abused, cap off (0)', r.capOff],
    [`abused, cap on (${CAP_DEFAULT})`, r.capOn],
  ];
  for (const [name, { normal: n }] of phases) {
    row([
      name,
      String(n.requests),
      f(n.p50Ms),
      f(n.p99Ms),
      f(n.maxMs),
      String(n.non2xx),
      String(n.status503),
      String(n.errors),
    ]);
  }
  const [off, on] = [r.capOff.normal, r.capOn.normal];
  console.log(`cap on / cap off: p50 ${f(on.p50Ms / off.p50Ms, 3)}×, p99 ${f(on.p99Ms / off.p99Ms, 3)}×`);
  console.log(
    `cap on / alone:   p50 ${f(on.p50Ms / r.alone.normal.p50Ms, 2)}×, p99 ${f(on.p99Ms / r.alone.normal.p99Ms, 2)}×`,
  );
  console.log(`\nabusive client (${ABUSIVE_CONNS} searches in flight, same ${secs} s)`);
  row(['run', 'answers', '200', '429', '503', 'errors', 'search p50']);
  for (const [name, { abusive: a }] of phases.slice(1)) {
    if (!a) continue;
    const ok = String(a.statuses['200'] ?? 0);
    row([name, String(a.requests), ok, String(a.status429), String(a.status503), String(a.errors), f(a.searchP50Ms)]);
  }
}

async function main(): Promise<void> {
  const busy = await cpuBusy('before start', log);
  const stamp = new Date().toISOString();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => void group.stop().finally(() => process.exit(130)));
  const results = await bench();
  const settings = {
    durationMs: DURATION_MS,
    chats: N_CHATS,
    abusiveConnections: ABUSIVE_CONNS,
    capDefault: CAP_DEFAULT,
    dbPoolMax: Number(process.env.DB_POOL_MAX ?? 8),
    statementTimeoutMs: Number(process.env.STATEMENT_TIMEOUT_MS ?? 5000),
    node: process.version,
  };
  const resultsDir = join(ROOT, 'bench-results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `fairness-${stamp.replace(/[:.]/g, '-')}.json`);
  const ratios = {
    p50CapOnOverOff: results.capOn.normal.p50Ms / results.capOff.normal.p50Ms,
    p99CapOnOverOff: results.capOn.normal.p99Ms / results.capOff.normal.p99Ms,
  };
  fs.writeFileSync(
    file,
    JSON.stringify({ date: stamp, settings, cpuBusyBefore: busy, ...results, ratios }, null, 2) + '\n',
  );
  report(results);
  console.log(`\nresults: ${file}`);
}

if (process.argv[2] === '--abusive-client') {
  abusiveClient(process.argv[3], ABUSIVE_IP, Number(process.argv[4]));
} else {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  });
}
