/**
 * REST benchmark: builds and starts this server (`node dist/main.js`) on a free port with a fresh
 * embedded Postgres in a temporary directory, seeds it through the public API with the reference
 * seeder, then runs wrk (32 connections, 2 threads) on the list page, chat detail and chat create.
 *
 *   npm run bench:rest                  # ours only
 *   npm run bench:rest -- --reference   # then the Django reference (also REFERENCE=1)
 *   npm run bench:rest -- --pooler      # then ours again through PgBouncer (also POOLER=1)
 *   npm run bench:rest -- --search-indexes  # then chat create without, with, without the trigram
 *                                           # indexes (also SEARCH_INDEXES=1): their write cost
 *
 * --pooler: this process runs the Postgres (so it outlives the first server), then, after the
 * direct run, starts PgBouncer in transaction mode in front of it and restarts the server with
 * DATABASE_URL through it (LISTEN_DATABASE_URL direct, DATABASE_POOL_MODE=transaction) for
 * the same wrk runs; any non-2xx answer through the pooler fails the run.
 *
 * Env: DURATION (10s), N_CAMPAIGNS (1000), CHATS_PER (5), DATAS_PER (2), REFERENCE_DIR
 * (default ../shared/reference/django-seed from the repo root). DATABASE_URL runs the server
 * against that database instead, which must be EMPTY (migrated or not): the seeder adds to it.
 * The server runs with AUTH=none, rate limits off (RATE_LIMIT_*_PER_MINUTE=0) and no in-flight cap
 * (MAX_INFLIGHT_PER_CLIENT=0: wrk's 32 connections are one client), like the reference.
 * Results: bench-results/rest-<timestamp>.json (+ the reference's raw wrk output in rest-<timestamp>-reference/).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { join, resolve } from 'node:path';
import { POOLER, startPgBouncer } from './support/pgbouncer';
import { cpuBusy, freePort, postmasterPid, processGroup, procField, sleep, type Instance } from './support/processes';

const ROOT = resolve(__dirname, '..');
const REF_DIR = resolve(ROOT, process.env.REFERENCE_DIR ?? '../shared/reference/django-seed');
const SEEDER = join(REF_DIR, 'bench', 'seed-http.mjs');
const DURATION = process.env.DURATION ?? '10s';
const WITH_REFERENCE = process.argv.includes('--reference') || process.env.REFERENCE === '1';
const WITH_POOLER = process.argv.includes('--pooler') || process.env.POOLER === '1';
const COMPARE_TRIGRAM = process.argv.includes('--search-indexes') || process.env.SEARCH_INDEXES === '1';
const TRIGRAM_MIGRATION = '20261201000002-search-trigram-indexes.js';
const WRK_ARGS = ['-t2', '-c32', `-d${DURATION}`, '--timeout', '10s', '--latency'];
const ENDPOINTS = [
  { name: 'list-campaigns', label: 'GET /api/campaigns/?page=1', target: 20 },
  { name: 'get-chat', label: 'GET /api/chats/{id}/', target: 10 },
  { name: 'post-chat', label: 'POST /api/chats/', target: 8 },
] as const;
type EndpointName = (typeof ENDPOINTS)[number]['name'];

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  non2xx: number;
  socketErrors?: string;
}
interface OurResult extends WrkResult {
  cpuBusyBefore: number;
  peakRssMb: number;
  vmHwmMb: number;
  peakPostgresPssMb?: number;
}
type Results<T> = Record<EndpointName, T>;

const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const log = (msg: string) => console.error(`[bench] ${msg}`);
// Ctrl-C / SIGTERM kill the running step (wrk, seeder, build); the finally block then stops the server.
const interrupt = new AbortController();
const group = processGroup(log);

/** Runs a command; stdout is returned when captured, otherwise shown. Rejects on a non-zero exit. */
function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; capture?: boolean } = {}) {
  return new Promise<string>((done, fail) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', opts.capture ? 'pipe' : 'inherit', 'inherit'],
      signal: interrupt.signal,
    });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}`))));
  });
}

/** Summed PSS (shared buffers counted once) of the temp cluster's postmaster and its backends. */
function postgresPssKb(pgDir: string): number | undefined {
  const postmaster = postmasterPid(pgDir);
  if (postmaster === undefined) return undefined;
  let children: string;
  try {
    children = fs.readFileSync(`/proc/${postmaster}/task/${postmaster}/children`, 'utf8');
  } catch {
    return undefined; // exited since postmasterPid looked
  }
  const members = [postmaster, ...children.split(' ').filter(Boolean).map(Number)];
  return members.reduce((sum, p) => sum + procField(p, 'Pss', 'smaps_rollup'), 0);
}

function latencyMs(text: string, label: string): number {
  const m = text.match(new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
  if (!m) return NaN;
  return Number(m[1]) * { us: 0.001, ms: 1, s: 1000, m: 60000 }[m[2] as 'us' | 'ms' | 's' | 'm'];
}

function parseWrk(text: string): WrkResult {
  const rps = text.match(/^Requests\/sec:\s+([\d.]+)/m);
  const socketErrors = text.match(/^\s*Socket errors:.*$/m)?.[0].trim();
  return {
    rps: rps ? Number(rps[1]) : NaN,
    p50Ms: latencyMs(text, '50%'),
    p99Ms: latencyMs(text, '99%'),
    non2xx: Number(text.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0),
    ...(socketErrors ? { socketErrors } : {}),
  };
}

async function ensureWrk(): Promise<void> {
  if (spawnSync('wrk', ['-v']).error === undefined) return;
  log('wrk missing: apt-get install -y wrk');
  await run('apt-get', ['update', '-qq']);
  await run('apt-get', ['install', '-y', '-qq', 'wrk'], { env: { DEBIAN_FRONTEND: 'noninteractive' } });
}

/** One wrk run while sampling the server's VmRSS (and the cluster's PSS) every 100 ms. */
async function measure(url: string, serverPid: number, pgDir: string, lua?: string): Promise<OurResult> {
  log(`wrk ${WRK_ARGS.join(' ')} ${url}`);
  const cpuBusyBefore = await cpuBusy('just before', log);
  let peakRss = 0;
  let peakPg: number | undefined;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, procField(serverPid, 'VmRSS'));
    const pg = postgresPssKb(pgDir);
    if (pg !== undefined) peakPg = Math.max(peakPg ?? 0, pg);
  }, 100);
  try {
    const out = await run('wrk', [...WRK_ARGS, ...(lua ? ['-s', lua] : []), url], { capture: true });
    const pg = peakPg === undefined ? {} : { peakPostgresPssMb: mb(peakPg) };
    return {
      ...parseWrk(out),
      cpuBusyBefore,
      peakRssMb: mb(peakRss),
      vmHwmMb: mb(procField(serverPid, 'VmHWM')),
      ...pg,
    };
  } finally {
    clearInterval(timer);
    await sleep(2000);
  }
}

/** Starts `node dist/main.js` on a free port, on a fresh cluster in pgDir unless DATABASE_URL is set. */
async function startServer(pgDir: string, name = 'server', extra: NodeJS.ProcessEnv = {}): Promise<Instance> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  // one client IP sends everything: rate limits and the in-flight cap off, the API open, as the reference is
  const open = { AUTH: 'none', RATE_LIMIT_READS_PER_MINUTE: '0', RATE_LIMIT_WRITES_PER_MINUTE: '0' };
  Object.assign(env, { ...open, MAX_INFLIGHT_PER_CLIENT: '0' });
  if (!env.DATABASE_URL) Object.assign(env, { EMBEDDED_PG_DIR: pgDir, EMBEDDED_PG_PORT: String(await freePort()) });
  const server = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' });
  return group.start(name, port, server, { readyMs: 120_000, signal: interrupt.signal });
}

/** Seeds through the public API with the reference seeder; returns the URLs and the POST script. */
async function seed(base: string, tmp: string) {
  const { count } = (await (await fetch(`${base}/api/campaigns/`)).json()) as { count: number };
  if (count !== 0) throw new Error(`the database already holds ${count} campaigns; the bench needs an empty one`);
  const stateFile = join(tmp, 'state.json');
  await run(process.execPath, [SEEDER, `${base}/api`, stateFile]);
  const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { postCampaign: string; detailChat: string };
  const lua = join(tmp, 'post-chat.lua');
  const body = JSON.stringify({ campaign: state.postCampaign, author: 'human', message: 'benchmark chat message' });
  const script = ['wrk.method = "POST"', 'wrk.headers["Content-Type"] = "application/json"', `wrk.body = '${body}'`];
  fs.writeFileSync(lua, script.join('\n') + '\n');
  return { detail: `/api/chats/${state.detailChat}/`, lua };
}

/** The three wrk runs against one server; dataDir is its cluster's, for the PSS samples. */
async function endpoints(server: Instance, dataDir: string, detail: string, lua: string): Promise<Results<OurResult>> {
  const [base, pid] = [server.url, server.proc.pid ?? 0];
  return {
    'list-campaigns': await measure(`${base}/api/campaigns/?page=1`, pid, dataDir),
    'get-chat': await measure(`${base}${detail}`, pid, dataDir),
    'post-chat': await measure(`${base}/api/chats/`, pid, dataDir, lua),
  };
}

type TrigramRuns = { with: OurResult[]; without: OurResult[] };

/** Chat create without, with, without the trigram indexes: drift on a shared machine hits both alike. */
async function trigramCost(url: string, pid: number, dataDir: string, lua: string, databaseUrl: string) {
  const runs: TrigramRuns = { with: [], without: [] };
  const cli = (...args: string[]) =>
    run('npx', ['sequelize-cli', ...args], { env: { DATABASE_URL: databaseUrl }, capture: true });
  for (const indexes of ['without', 'with', 'without'] as const) {
    log(indexes === 'with' ? `applying ${TRIGRAM_MIGRATION}` : `undoing ${TRIGRAM_MIGRATION}`);
    await (indexes === 'with' ? cli('db:migrate') : cli('db:migrate:undo', '--name', TRIGRAM_MIGRATION));
    runs[indexes].push(await measure(`${url}/api/chats/`, pid, dataDir, lua));
  }
  return runs;
}

interface OursRun {
  ours: Results<OurResult>;
  pooled?: Results<OurResult>;
  poolerLog?: string[];
  searchIndexes?: TrigramRuns;
}

async function benchOurs(): Promise<OursRun> {
  await run('npm', ['run', 'build']);
  try {
    const [tmp, pgDir] = [await group.tempDir('rest-bench-'), await group.tempDir('rest-bench-pg-')];
    // through the pooler the server restarts: the cluster must not be the first server's own
    const ownCluster = (WITH_POOLER || COMPARE_TRIGRAM) && !process.env.DATABASE_URL;
    const direct = ownCluster ? await group.startPostgres('chat', pgDir) : process.env.DATABASE_URL;
    const dataDir = ownCluster ? join(pgDir, 'data') : pgDir;
    const server = await startServer(pgDir, 'server', direct ? { DATABASE_URL: direct } : {});
    const { detail, lua } = await seed(server.url, tmp);
    const ours = await endpoints(server, dataDir, detail, lua);
    const searchIndexes =
      COMPARE_TRIGRAM && direct ? await trigramCost(server.url, server.proc.pid ?? 0, dataDir, lua, direct) : undefined;
    if (!WITH_POOLER || !direct) return { ours, searchIndexes };
    await group.end(server);
    const pooler = await startPgBouncer(group, direct);
    const env = { DATABASE_URL: pooler.url, LISTEN_DATABASE_URL: direct, DATABASE_POOL_MODE: 'transaction' };
    const pooled = await endpoints(await startServer(pgDir, 'pooled server', env), dataDir, detail, lua);
    return { ours, pooled, poolerLog: pooler.problems(), searchIndexes };
  } finally {
    await group.stop();
  }
}

/** run.sh (idempotent) starts the Django reference; bench.sh seeds it and runs the same wrk commands. */
async function benchReference(outDir: string): Promise<Results<WrkResult>> {
  await run(join(REF_DIR, 'run.sh'), [], { env: { DEBUG: 'False' } });
  // COUNT_QUERIES=0: its count_queries.py is not shipped in the reference's bench/ folder
  await run(join(REF_DIR, 'bench.sh'), [], {
    env: { DURATION, CONNS: '32', THREADS: '2', OUTDIR: outDir, COUNT_QUERIES: '0' },
  });
  const read = (name: EndpointName) => parseWrk(fs.readFileSync(join(outDir, `${name}.txt`), 'utf8'));
  return { 'list-campaigns': read('list-campaigns'), 'get-chat': read('get-chat'), 'post-chat': read('post-chat') };
}

const f = (n: number | undefined, d = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(d));
const row = (cells: string[]) => console.log(cells.map((c, i) => (i ? c.padStart(13) : c.padEnd(28))).join(''));

/** Pooled over direct, per endpoint: req/s and p99 (above 1: more throughput, or a slower tail). */
const poolerRatios = (direct: Results<OurResult>, pooled: Results<OurResult>) =>
  Object.fromEntries(
    ENDPOINTS.map(({ name }) => [
      name,
      { rps: pooled[name].rps / direct[name].rps, p99: pooled[name].p99Ms / direct[name].p99Ms },
    ]),
  ) as Results<{ rps: number; p99: number }>;

function reportPooler(direct: Results<OurResult>, pooled: Results<OurResult>, poolerLog: string[]): void {
  const ratios = poolerRatios(direct, pooled);
  console.log(`\nours direct vs through PgBouncer (${POOLER.mode} mode, default_pool_size ${POOLER.defaultPoolSize})`);
  row(['endpoint', 'direct req/s', 'pooled req/s', 'ratio', 'direct p99', 'pooled p99', 'p99 ratio', 'non-2xx d/p']);
  for (const { name, label } of ENDPOINTS) {
    const [d, p, r] = [direct[name], pooled[name], ratios[name]];
    row([
      label,
      f(d.rps),
      f(p.rps),
      `${f(r.rps, 2)}×`,
      f(d.p99Ms, 2),
      f(p.p99Ms, 2),
      `${f(r.p99, 2)}×`,
      `${d.non2xx}/${p.non2xx}`,
    ]);
    if (p.socketErrors) console.log(`  pooled: ${p.socketErrors}`);
  }
  const failed = ENDPOINTS.filter(({ name }) => pooled[name].non2xx > 0).map(({ label }) => label);
  if (failed.length) console.log(`FAILED: non-2xx answers through the pooler on ${failed.join(', ')}`);
  if (poolerLog.length) console.log(`pgbouncer logged ${poolerLog.length} warnings/errors, first: ${poolerLog[0]}`);
}

function reportTrigram(ours: Results<OurResult>, trigram: TrigramRuns): void {
  const mean = (runs: OurResult[]) => runs.reduce((sum, o) => sum + o.rps, 0) / runs.length;
  const [w, wo] = [mean([ours['post-chat'], ...trigram.with]), mean(trigram.without)];
  console.log(`\nchat create: ${f(w)} req/s with the trigram indexes (mean of 2 runs), ${f(wo)} without (mean of 2)`);
  console.log(`with/without: ${f(w / wo, 2)}× the req/s`);
}

function report(ours: Results<OurResult>, ref?: Results<WrkResult>): void {
  console.log(`\nours (DURATION=${DURATION}, 32 connections, 2 threads)`);
  row(['endpoint', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx', 'peak RSS', 'VmHWM', 'pg PSS']);
  for (const { name, label } of ENDPOINTS) {
    const o = ours[name];
    const mem = [o.peakRssMb, o.vmHwmMb, o.peakPostgresPssMb].map((v) => (v === undefined ? '-' : `${f(v)} MB`));
    row([label, f(o.rps), f(o.p50Ms, 2), f(o.p99Ms, 2), String(o.non2xx), ...mem]);
    if (o.socketErrors) console.log(`  ${o.socketErrors}`);
  }
  if (!ref) return;
  console.log('\nours vs reference (Django, DEBUG=False)');
  row(['endpoint', 'ours req/s', 'ref req/s', 'ratio', 'target', 'ours p99', 'ref p99']);
  for (const { name, label, target } of ENDPOINTS) {
    const ratio = ours[name].rps / ref[name].rps;
    const verdict = `≥${target}× ${ratio >= target ? 'ok' : 'MISSED'}`;
    const [o, r] = [ours[name], ref[name]];
    row([label, f(o.rps), f(r.rps), `${f(ratio)}×`, verdict, f(o.p99Ms, 2), f(r.p99Ms, 2)]);
  }
}

const dataSet = () => ({
  campaigns: Number(process.env.N_CAMPAIGNS ?? 1000),
  chatsPerCampaign: Number(process.env.CHATS_PER ?? 5),
  datasPerCampaign: Number(process.env.DATAS_PER ?? 2),
});

function referenceFailed(err: unknown): undefined {
  log(`reference run failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
  return undefined;
}

async function main(): Promise<void> {
  if (!fs.existsSync(SEEDER)) throw new Error(`reference seeder not found at ${SEEDER}; set REFERENCE_DIR`);
  await ensureWrk();
  const busy = await cpuBusy('before start', log);

  const stamp = new Date().toISOString();
  const resultsDir = join(ROOT, 'bench-results');
  const name = `rest-${stamp.replace(/[:.]/g, '-')}`;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort(signal));
  const { ours, pooled, poolerLog = [], searchIndexes } = await benchOurs();
  // ours are kept even when the reference fails to run
  const reference = WITH_REFERENCE
    ? await benchReference(join(resultsDir, `${name}-reference`)).catch(referenceFailed)
    : undefined;
  const settings = { duration: DURATION, connections: 32, threads: 2, ...dataSet(), node: process.version };
  const pooler = pooled && { settings: POOLER, results: pooled, ratios: poolerRatios(ours, pooled), log: poolerLog };
  const results = { date: stamp, settings, cpuBusyBefore: busy, ours, pooler, searchIndexes, reference };
  fs.mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${name}.json`);
  fs.writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  report(ours, reference);
  if (pooled) reportPooler(ours, pooled, poolerLog);
  if (searchIndexes) reportTrigram(ours, searchIndexes);
  if (pooled && Object.values(pooled).some((p) => p.non2xx > 0)) process.exitCode = 1;
  console.log(`\nresults: ${file}`);
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(interrupt.signal.aborted ? `interrupted (${interrupt.signal.reason})` : message);
  process.exitCode = 1;
});
