/**
 * Search benchmark: what the trigram indexes do for `GET /api/chats/?search=` (a count and
 * the first page) on a large table, measured before and after their migration in one run.
 *
 *   npm run bench:search                      # 1,000,000 chats over 1,000 campaigns
 *   CHATS=100000 RUNS=10 npm run bench:search # smaller and quicker
 *
 * It starts an embedded Postgres in a temporary folder (fsync on, as in production), migrates
 * it up to just before the trigram migration, loads the chats (text generated in SQL), and
 * serves the API from this process. Each round sends every query once, one request at a time;
 * RUNS rounds (after one to warm up) give p50 and p99 (nearest rank: the slowest below 100
 * runs). Then it applies the trigram migration and does the same again.
 * Env: CHATS (1000000), CAMPAIGNS (1000), RUNS (20). DATABASE_URL uses that database instead,
 * which must be empty and reached as a superuser (the bulk load turns triggers off).
 * Results: bench-results/search-<timestamp>.json.
 */
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createApp, type App } from '../src/app';
import { loadConfig } from '../src/config';
import { MIGRATIONS_GLOB } from '../src/config/paths';
import { migrate } from '../src/postgres/migrate';
import { loadCorpus, vocabulary } from './support/chat-corpus';
import { cpuBusy, processGroup } from './support/processes';

const ROOT = resolve(__dirname, '..');
const TRIGRAM_MIGRATION = '20261201000002-search-trigram-indexes.js';
const CHATS = Number(process.env.CHATS ?? 1_000_000);
const CAMPAIGNS = Number(process.env.CAMPAIGNS ?? 1000);
const RUNS = Number(process.env.RUNS ?? 20);

const log = (msg: string) => console.error(`[bench] ${msg}`);
const group = processGroup(log);
// Ctrl-C / SIGTERM: the next request or batch throws, and main's finally block stops everything
const interrupt = new AbortController();

/** The requests, by what they are; the words come from the corpus's vocabulary. */
function queries(): { name: string; search: string }[] {
  const vocab = vocabulary();
  return [
    { name: 'rare word', search: vocab[7000] },
    { name: 'common word', search: 'and' },
    { name: '2-character term', search: 'er' },
    { name: 'two terms', search: 'refund delivery' },
    { name: 'author', search: 'human' },
  ];
}

type Timing = { count: number; p50: number; p99: number };

const percentile = (sorted: number[], p: number) => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

/** One request: GET the first page (count included); returns ms and the count. */
async function search(base: string, term: string): Promise<{ ms: number; count: number }> {
  interrupt.signal.throwIfAborted();
  const started = performance.now();
  const res = await fetch(`${base}/api/chats/?search=${encodeURIComponent(term)}`);
  const body = (await res.json()) as { count: number };
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`search "${term}" answered ${res.status}: ${JSON.stringify(body)}`);
  return { ms, count: body.count };
}

/** RUNS rounds of every query in turn (after a warm-up round), so drift hits all alike. */
async function measure(base: string, label: string): Promise<Timing[]> {
  const list = queries();
  await cpuBusy(`before the ${label} runs`, log);
  const counts: number[] = [];
  // the warm-up round: caches filled, and the number of matches
  for (const q of list) counts.push((await search(base, q.search)).count);
  const times: number[][] = list.map(() => []);
  for (let round = 0; round < RUNS; round++) {
    for (const [i, q] of list.entries()) times[i].push((await search(base, q.search)).ms);
  }
  log(`${label}: ${RUNS} rounds done`);
  return times.map((t, i) => {
    const sorted = [...t].sort((a, b) => a - b);
    return { count: counts[i], p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) };
  });
}

/** Applies the migrations that sort before the trigram one (a folder of copies: same names). */
async function migrateBeforeTrigram(url: string): Promise<void> {
  const dir = await group.tempDir('search-bench-migrations-');
  const source = join(ROOT, 'db', 'migrations');
  for (const file of readdirSync(source).filter((f) => f.endsWith('.js') && f < TRIGRAM_MIGRATION)) {
    copyFileSync(join(source, file), join(dir, file));
  }
  await migrateWith(url, join(dir, '*.js'));
}

const migrateWith = (url: string, glob: string): Promise<string[]> => migrate(url, { glob });

function startApp(url: string): App {
  const env = { DATABASE_URL: url, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MIGRATE_ON_START: 'false' };
  const open = { AUTH: 'none', RATE_LIMIT_READS_PER_MINUTE: '0', RATE_LIMIT_WRITES_PER_MINUTE: '0' };
  // the unindexed searches take seconds: measure them, do not cancel them at the usual deadline
  const unbounded = { MAX_INFLIGHT_PER_CLIENT: '0', STATEMENT_TIMEOUT_MS: '600000' };
  return createApp(loadConfig({ ...env, ...open, ...unbounded }));
}

function report(before: Timing[], after: Timing[], migrationS: number): void {
  const f = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const row = (cells: string[]) => console.log(cells.map((c, i) => (i ? c.padStart(11) : c.padEnd(34))).join(''));
  console.log(`\n${CHATS.toLocaleString('en')} chats, ${CAMPAIGNS} campaigns, ${RUNS} runs each; ms per request`);
  row(['query', 'matches', 'p50 before', 'p50 after', 'p50 ratio', 'p99 before', 'p99 after', 'p99 ratio']);
  for (const [i, q] of queries().entries()) {
    const [b, a] = [before[i], after[i]];
    const ratio = (x: number, y: number) => `${(x / y).toFixed(1)}×`;
    const cells = [f(b.p50), f(a.p50), ratio(b.p50, a.p50), f(b.p99), f(a.p99), ratio(b.p99, a.p99)];
    row([`${q.name} "${q.search}"`, b.count.toLocaleString('en'), ...cells]);
  }
  console.log(`trigram migration on this table: ${migrationS.toFixed(1)} s`);
}

async function main(): Promise<void> {
  let app: App | undefined;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort(signal));
  try {
    const url = process.env.DATABASE_URL || (await group.startPostgres('search_bench'));
    await migrateBeforeTrigram(url);
    log(`loading ${CHATS.toLocaleString('en')} chats over ${CAMPAIGNS} campaigns`);
    await loadCorpus(url, { campaigns: CAMPAIGNS, chats: CHATS, signal: interrupt.signal }, log);
    app = startApp(url);
    await app.start();
    const before = await measure(app.url, 'before');
    const started = performance.now();
    const applied = await migrateWith(url, MIGRATIONS_GLOB);
    const migrationS = (performance.now() - started) / 1000;
    log(`applied ${applied.join(', ')} in ${migrationS.toFixed(1)} s`);
    const after = await measure(app.url, 'after');
    report(before, after, migrationS);
    const stamp = new Date().toISOString();
    const dir = join(ROOT, 'bench-results');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `search-${stamp.replace(/[:.]/g, '-')}.json`);
    const settings = { chats: CHATS, campaigns: CAMPAIGNS, runs: RUNS, node: process.version };
    writeFileSync(
      file,
      JSON.stringify({ date: stamp, settings, queries: queries(), before, after, migrationS }, null, 2),
    );
    console.log(`results: ${file}`);
  } finally {
    await app?.stop();
    await group.stop();
  }
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  console.error(interrupt.signal.aborted ? `interrupted (${interrupt.signal.reason})` : message);
  process.exitCode = 1;
});
