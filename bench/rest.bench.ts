/**
 * REST benchmark: builds and starts this server (`node dist/main.js`) on a free port with a fresh
 * embedded Postgres in a temporary directory, seeds it through the public API with the reference
 * seeder, then runs wrk (32 connections, 2 threads) on the list page, chat detail and chat create.
 *
 *   npm run bench:rest                  # ours only
 *   npm run bench:rest -- --reference   # then the Django reference (also REFERENCE=1)
 *
 * Env: DURATION (10s), N_CAMPAIGNS (1000), CHATS_PER (5), DATAS_PER (2), REFERENCE_DIR
 * (default ../shared/reference/django-seed from the repo root). DATABASE_URL runs the server
 * against that database instead, which must be EMPTY (migrated or not): the seeder adds to it.
 * Results: bench-results/rest-<timestamp>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
const REF_DIR = resolve(ROOT, process.env.REFERENCE_DIR ?? '../shared/reference/django-seed');
const SEEDER = join(REF_DIR, 'bench', 'seed-http.mjs');
const DURATION = process.env.DURATION ?? '10s';
const WITH_REFERENCE = process.argv.includes('--reference') || process.env.REFERENCE === '1';
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
  peakRssMb: number;
  vmHwmMb: number;
  peakPostgresPssMb?: number;
}
type Results<T> = Record<EndpointName, T>;

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
const mb = (kb: number) => Math.round(kb / 102.4) / 10;
const log = (msg: string) => console.error(`[bench] ${msg}`);
// Ctrl-C / SIGTERM kill the running step (wrk, seeder, build); the finally blocks then stop the server.
const interrupt = new AbortController();

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

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => done(port));
    });
    srv.on('error', fail);
  });
}

/** % of all CPUs busy over one second, as bench.sh's cpu_busy computes it from /proc/stat. */
async function cpuBusy(): Promise<number> {
  const sample = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const a = sample();
  await sleep(1000);
  const b = sample();
  const total = b.reduce((sum, v, i) => sum + v - a[i], 0);
  const idle = b[3] + b[4] - (a[3] + a[4]);
  return total > 0 ? Math.round((100 * (total - idle)) / total) : 0;
}

/** A kB field of /proc/<pid>/<file> (VmRSS, VmHWM, PPid, Pss), or 0 once the process is gone. */
function procField(pid: number, field: string, file = 'status'): number {
  try {
    const line = readFileSync(`/proc/${pid}/${file}`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
    return line ? Number(line[1]) : 0;
  } catch {
    return 0;
  }
}

/** Summed PSS (shared buffers counted once) of the temp cluster's postmaster and its backends. */
function postgresPssKb(pgDir: string): number | undefined {
  const pidFile = join(pgDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  const pids = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
  const members = pids.filter((p) => p === postmaster || procField(p, 'PPid') === postmaster);
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

async function waitReady(base: string, server: ChildProcess): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(250)) {
    interrupt.signal.throwIfAborted();
    if (server.exitCode !== null) throw new Error(`server exited with code ${server.exitCode} before /readyz`);
    const status = await fetch(`${base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return;
  }
  throw new Error('server not ready after 120 s');
}

async function stopServer(server: ChildProcess, pgDir: string): Promise<void> {
  if (server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((done) => server.once('exit', done));
    server.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(20_000).then(() => 'timeout')])) === 'timeout') server.kill('SIGKILL');
  }
  // a postmaster left behind by a crashed server is ours too: stop it before its directory goes
  const pidFile = join(pgDir, 'postmaster.pid');
  const postmaster = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').split('\n')[0]) : 0;
  if (postmaster > 0 && procField(postmaster, 'PPid') !== 0) {
    process.kill(postmaster, 'SIGTERM');
    for (let i = 0; i < 100 && procField(postmaster, 'PPid') !== 0; i++) await sleep(100);
  }
}

/** One wrk run while sampling the server's VmRSS (and the cluster's PSS) every 100 ms. */
async function measure(url: string, serverPid: number, pgDir: string, lua?: string): Promise<OurResult> {
  log(`wrk ${url} (CPU busy just before: ${await cpuBusy()}%)`);
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
    return { ...parseWrk(out), peakRssMb: mb(peakRss), vmHwmMb: mb(procField(serverPid, 'VmHWM')), ...pg };
  } finally {
    clearInterval(timer);
    await sleep(2000);
  }
}

async function benchOurs(tmp: string): Promise<Results<OurResult>> {
  await run('npm', ['run', 'build']);
  const pgDir = join(tmp, 'pg');
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  if (!process.env.DATABASE_URL)
    Object.assign(env, { EMBEDDED_PG_DIR: pgDir, EMBEDDED_PG_PORT: String(await freePort()) });
  const server = spawn(process.execPath, ['dist/main.js'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: 'inherit',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base, server);
    const { count } = (await (await fetch(`${base}/api/campaigns/`)).json()) as { count: number };
    if (count !== 0) throw new Error(`the database already holds ${count} campaigns; the bench needs an empty one`);
    const stateFile = join(tmp, 'state.json');
    await run(process.execPath, [SEEDER, `${base}/api`, stateFile]);
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { postCampaign: string; detailChat: string };
    const lua = join(tmp, 'post-chat.lua');
    const body = JSON.stringify({ campaign: state.postCampaign, author: 'human', message: 'benchmark chat message' });
    writeFileSync(lua, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${body}'\n`);
    const pid = server.pid ?? 0;
    return {
      'list-campaigns': await measure(`${base}/api/campaigns/?page=1`, pid, pgDir),
      'get-chat': await measure(`${base}/api/chats/${state.detailChat}/`, pid, pgDir),
      'post-chat': await measure(`${base}/api/chats/`, pid, pgDir, lua),
    };
  } finally {
    await stopServer(server, pgDir);
  }
}

/** run.sh (idempotent) starts the Django reference; bench.sh seeds it and runs the same wrk commands. */
async function benchReference(tmp: string): Promise<Results<WrkResult>> {
  const outDir = join(tmp, 'reference');
  await run(join(REF_DIR, 'run.sh'), [], { env: { DEBUG: 'False' } });
  // COUNT_QUERIES=0: its count_queries.py is not shipped in the reference's bench/ folder
  await run(join(REF_DIR, 'bench.sh'), [], {
    env: { DURATION, CONNS: '32', THREADS: '2', OUTDIR: outDir, COUNT_QUERIES: '0' },
  });
  const read = (name: EndpointName) => parseWrk(readFileSync(join(outDir, `${name}.txt`), 'utf8'));
  return { 'list-campaigns': read('list-campaigns'), 'get-chat': read('get-chat'), 'post-chat': read('post-chat') };
}

function report(ours: Results<OurResult>, ref?: Results<WrkResult>): void {
  const f = (n: number | undefined, d = 1) => (n === undefined || Number.isNaN(n) ? '-' : n.toFixed(d));
  const row = (cells: string[]) => console.log(cells.map((c, i) => (i ? c.padStart(11) : c.padEnd(28))).join(''));
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
    row([
      label,
      f(ours[name].rps),
      f(ref[name].rps),
      `${f(ratio)}×`,
      verdict,
      f(ours[name].p99Ms, 2),
      f(ref[name].p99Ms, 2),
    ]);
  }
}

async function main(): Promise<void> {
  if (!existsSync(SEEDER)) throw new Error(`reference seeder not found at ${SEEDER}; set REFERENCE_DIR`);
  await ensureWrk();
  const busy = await cpuBusy();
  log(
    `CPU busy before start: ${busy}% (load avg ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
  );
  if (busy > 15) log('WARNING: something else is using the CPU; the figures will be skewed');

  const tmp = mkdtempSync(join(tmpdir(), 'rest-bench-'));
  chmodSync(tmp, 0o755); // the embedded cluster runs as the unprivileged postgres user
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort(new Error(signal)));
  try {
    const ours = await benchOurs(tmp);
    const reference = WITH_REFERENCE ? await benchReference(tmp) : undefined;
    const results = { date: new Date().toISOString(), duration: DURATION, cpuBusyBefore: busy, ours, reference };
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const file = join(ROOT, 'bench-results', `rest-${results.date.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
    report(ours, reference);
    console.log(`\nresults: ${file}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
