/**
 * Streamed chats benchmark: many producers appending a few characters at a time, what their
 * rooms see, and what it costs Postgres, against the same characters sent as whole chats and
 * against bare Socket.IO relays.
 *
 *   npm run bench:stream                      # STREAMS=100 RATE=20 SUBS=3 T=30 (env knobs)
 *   T=5 npm run bench:stream                  # a quick run
 *   DATABASE_URL=postgres://… npm run bench:stream   # both instances on that database
 *   FLUSH_MS=20 npm run bench:stream          # the instances' STREAM_FLUSH_MS (default theirs: 50)
 *   WEBHOOKS=false npm run bench:stream       # any other setting of the instances: from the env
 *
 * Two fresh instances of `node dist/main.js` (rebuilt first; BUILD=0 skips it) on one Postgres
 * (embedded in a temp dir, fsync on, unless DATABASE_URL). Three phases, one after another, each
 * on fresh campaigns (one per stream) and fresh sockets. The producers are in this process, the
 * subscribers in CLIENTS (default 2) forked ones that serve every phase, so that no one process
 * both sends and receives it all; send and arrival times are on the machine-wide monotonic clock.
 * The instances and the bare servers first run an unreported stream phase of WARMUP_S s
 * (default 2; 0: none), so that their first streams (connection pools, JIT) are not measured:
 *  1. stream: STREAMS producers (stream i's socket on instance i % 2) each open a streamed chat
 *     (`chat:create`, status streaming), then append a ~4-character piece RATE times a second
 *     for T s, pipelined (sent on schedule, acks not awaited), then finish it. SUBS subscribers
 *     per campaign, spread over both instances (stream i's j-th on instance (i + j) % 2: 0,1,0 /
 *     1,0,1), subscribed before the stream opens, rebuild its text from chat:created, chat:delta
 *     and chat:updated; exact = what each ends with equals the finish ack's message (status
 *     complete). A piece's latency at a subscriber: its send here → the first delta whose
 *     offset + text.length covers its end (a delta carries the pieces of one commit).
 *  2. whole chats: the same pieces at the same rate, each sent as an ordinary chat
 *     (`chat:create`, status complete); latency: send → its `chat:created` at each subscriber.
 *  3. bare: once the instances and Postgres are stopped, two bare Socket.IO servers
 *     (bench/support/bare-server.ts, stream mode: no database, no coalescing, every append
 *     relayed at once) take the same streams from the same producers to the same subscribers.
 * Postgres (phases 1 and 2): commits = pg_stat_database.xact_commit of the database (every
 * transaction of both instances, readers included), write xacts = transaction ids assigned
 * (pg_current_snapshot's xmax), WAL = pg_wal_lsn_diff of pg_current_wal_lsn(), each a delta over
 * the phase (first send to last ack); per second = over that window. A backend's commit counts
 * can reach pg_stat_database up to 10 s after it went idle (PGSTAT_IDLE_INTERVAL), so each read
 * of them waits STATS_SETTLE_MS (default 11 s) after the activity it must include. Before the
 * phases, an idle window of IDLE_S s (default 10; 0: none) measures what the instances commit
 * on their own (presence heartbeats, the job runner).
 * Goals: write commits/appends ≤ 1/10 (a commit that wrote, and so flushed WAL: write xacts;
 * the read-only ones, the feeds' reads, are reported beside it), and stream p99 ≤ bare p99 +
 * 100 ms; the subscribers' text must
 * be 100% exact, with no duplicate, gap or overlap (else the exit code is 1).
 * Rate limits and auth are off in the instances (one loopback address opens every socket).
 * readOnly = commits - write xacts (about: an aborted write also takes an id).
 * Columns: sendLag = how far the producers' schedule fell behind (high: this process is
 * saturated, as is benchElu near 1); uncovered = pieces that reached a subscriber only in the
 * final chat:updated, never in a delta; cpuS = CPU seconds of instance a / b / this process
 * (subsCpuS: each subscriber process; pgCpuS: Postgres) over the phase. Below the table, each phase's p99 of the pieces sent
 * in each tenth of T (a slow start shows there), then the ratios and verdicts. Results also go to bench-results/stream-<timestamp>.json.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import type { ChatRep, ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../src/protocol';
import { bareServer, post } from './support/bare-server';
import { percentile } from './support/http-clients';
import { ChildHandle, monotonicMs } from './support/subscribers';
import {
  cpuBusy,
  cpuSeconds,
  freePort,
  postgresCpu,
  processGroup,
  sampleProcesses,
  sleep,
  UNTHROTTLED_ENV,
  type Instance,
} from './support/processes';

type RawSocket = Socket<S2C, C2S>;
type Mode = 'stream' | 'whole' | 'bare';

const ROOT = resolve(__dirname, '..');
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const [T, STREAMS, RATE, SUBS] = [knob('T', 30), knob('STREAMS', 100), knob('RATE', 20), knob('SUBS', 3)];
/** Processes the subscribers live in (the producers stay in this one). */
const CLIENTS = knob('CLIENTS', 2);
const [STATS_SETTLE_MS, IDLE_S] = [knob('STATS_SETTLE_MS', 11_000), knob('IDLE_S', 10)];
const PIECES = RATE * T;
const ACK_TIMEOUT_MS = 60_000;
/** Delivery is over when every subscriber has it all, or after this long without a new event. */
const QUIET_MS = 10_000;
const WARMUP_S = knob('WARMUP_S', 2);
/** The p99 over time is reported per slice of this many seconds. */
const SLICE_S = Math.max(1, Math.round(T / 10));
const GOALS = { commitsPerAppend: 1 / 10, p99OverBareMs: 100 };
const SERVER_ENV = {
  ...UNTHROTTLED_ENV,
  SOCKET_APPENDS_PER_SECOND: '1000000',
  ...(process.env.FLUSH_MS && { STREAM_FLUSH_MS: process.env.FLUSH_MS }),
};
const log = (msg: string) => console.error(`[bench] ${new Date().toISOString().slice(11, 19)} ${msg}`);
const group = processGroup(log);

/**
 * Piece `seq` (1-based): its seq in base 36 and a space, every tenth ending in 🎉 instead (two
 * string units: offsets are in JavaScript string units). Its number parses back from a whole chat.
 */
const piece = (seq: number) => seq.toString(36).padStart(3, '0') + (seq % 10 === 0 ? '🎉' : ' ');
const seqOf = (message: string) => parseInt(message, 36);
/** ends[k]: the message's length after piece k (the same for every stream). */
const ends = new Int32Array(PIECES + 1);
for (let k = 1; k <= PIECES; k++) ends[k] = ends[k - 1] + piece(k).length;
const fullText = (n: number) => Array.from({ length: n }, (_, k) => piece(k + 1)).join('');

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

/** What one phase saw, filled in by the producers and the subscribers. */
class Tally {
  latencies: number[] = [];
  /** When each latency's piece was sent (ms after the phase's start), for the p99 over time. */
  sentAt: number[] = [];
  t0 = 0;
  events = 0;
  duplicates = 0;
  gaps = 0;
  overlaps = 0;
  misrouted = 0;
  disconnects = 0;
  maxLag = 0;
  acked = 0;
  failed = 0;
  failures = new Map<string, number>();
  firstFailure?: string;

  record(at: number, sentAt: number): void {
    this.latencies.push(at - sentAt);
    this.sentAt.push(sentAt - this.t0);
  }

  /** p99 of the pieces sent in each slice of the window. */
  p99Over(sliceMs: number): number[] {
    const slices: number[][] = [];
    this.sentAt.forEach((t, i) => (slices[Math.floor(t / sliceMs)] ??= []).push(this.latencies[i]));
    return Array.from(slices, (slice) => percentile(slice ?? [], 0.99));
  }

  fail(what: string, detail: string): void {
    this.failed++;
    this.failures.set(what, (this.failures.get(what) ?? 0) + 1);
    this.firstFailure ??= `${what}: ${detail}`;
  }
}

/** One producer's stream (or, for whole chats, its run of chats) in its own campaign. */
class Stream {
  chatId = '';
  /** Pieces sent so far: 1..sent. */
  sent = 0;
  readonly sentAt = new Float64Array(PIECES + 1).fill(NaN);
  final?: ChatRep;
  readonly subscribers: Subscriber[] = [];
  constructor(
    readonly index: number,
    readonly campaign: string,
    readonly producer: RawSocket,
  ) {}
}

/** What one subscriber ended with (rebuilt in a subscriber process, then reported). */
interface Subscriber {
  text?: string;
  status?: string;
  /** The first piece no delta had covered. */
  next: number;
  /** Whole chats: the distinct pieces received. */
  seen: number;
}

/** One subscriber as a subscriber process holds it: `arrivals[k]`, when piece k reached it. */
type Held = Subscriber & { key: number; arrivals: Float64Array };
type SubscriberSpec = { key: number; url: string; campaign: string };
type Counts = Record<'events' | 'duplicates' | 'gaps' | 'overlaps' | 'misrouted' | 'disconnects', number>;
type ToChild = { type: 'open'; mode: Mode; pieces: number; subs: SubscriberSpec[] } | { type: 'report' };
type FromChild =
  | { type: 'ready' }
  | { type: 'opened' }
  | { type: 'progress'; events: number; done: number }
  | { type: 'report'; subs: Held[]; counts: Counts }
  | { type: 'failed'; message: string };

const openSocket = async (url: string): Promise<RawSocket> => {
  const socket: RawSocket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((done, fail) => (socket.once('connect', done), socket.once('connect_error', fail)));
  return socket;
};

/**
 * Runs in a subscriber process: opens the sockets it is given, rebuilds each stream's text
 * from chat:created, chat:delta and chat:updated (or counts whole chats), and notes when each
 * piece arrived, on the machine-wide monotonic clock the producers' send times use too.
 */
function runSubscribers(): void {
  const counts: Counts = { events: 0, duplicates: 0, gaps: 0, overlaps: 0, misrouted: 0, disconnects: 0 };
  const held: Held[] = [];
  const sockets: RawSocket[] = [];
  let [mode, pieces]: [Mode, number] = ['stream', 0];
  const send = (msg: FromChild) => process.send?.(msg);
  const isDone = (h: Held) => (mode === 'whole' ? h.seen >= pieces : h.status === 'complete');

  const open = async ({ key, url, campaign }: SubscriberSpec) => {
    const socket = await openSocket(url);
    sockets.push(socket);
    const h: Held = { key, next: 1, seen: 0, arrivals: new Float64Array(pieces + 1).fill(NaN) };
    held.push(h);
    const mine = (c: string) => c === campaign || (counts.misrouted++, false);
    const snapshot = ({ campaign: c, data }: { campaign: string; data: ChatRep }) => {
      const at = monotonicMs();
      if (!mine(c)) return;
      counts.events++;
      if (mode !== 'whole') return void ([h.text, h.status] = [data.message, data.status]);
      const seq = seqOf(data.message);
      if (!Number.isNaN(h.arrivals[seq])) return void counts.duplicates++;
      [h.arrivals[seq], h.seen] = [at, h.seen + 1];
    };
    socket.on('chat:created', snapshot);
    socket.on('chat:updated', snapshot);
    socket.on('chat:delta', ({ campaign: c, offset, text }) => {
      const at = monotonicMs();
      if (!mine(c)) return;
      counts.events++;
      const so = h.text ?? '';
      if (offset + text.length <= so.length) return void counts.duplicates++;
      if (offset > so.length) return void counts.gaps++;
      if (offset < so.length) counts.overlaps++;
      h.text = so.slice(0, offset) + text;
      const end = offset + text.length;
      for (; h.next <= pieces && ends[h.next] <= end; h.next++) h.arrivals[h.next] = at;
    });
    socket.on('disconnect', (reason) => reason !== 'io client disconnect' && counts.disconnects++);
    const ack = await socket.timeout(ACK_TIMEOUT_MS).emitWithAck('subscribe', { campaignId: campaign });
    if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
  };

  setInterval(() => send({ type: 'progress', events: counts.events, done: held.filter(isDone).length }), 100);
  process.on('message', (msg: ToChild) => {
    if (msg.type === 'open') {
      [mode, pieces] = [msg.mode, msg.pieces];
      inBatches(msg.subs.length, (i) => open(msg.subs[i])).then(
        () => send({ type: 'opened' }),
        (err: Error) => send({ type: 'failed', message: err.message }),
      );
    } else {
      sockets.splice(0).forEach((socket) => socket.disconnect());
      send({ type: 'report', subs: held.splice(0), counts: { ...counts } });
      for (const key of Object.keys(counts)) counts[key as keyof Counts] = 0;
    }
  });
  send({ type: 'ready' });
}

/** The parent's handle on one subscriber process (it serves every phase). */
class SubscriberProcess extends ChildHandle<FromChild> {
  events = 0;
  done = 0;

  constructor() {
    super(__filename, '--subscribers');
    this.proc.on('message', (msg: FromChild) => {
      if (msg.type === 'progress') [this.events, this.done] = [msg.events, msg.done];
    });
  }

  async open(mode: Mode, pieces: number, subs: SubscriberSpec[]): Promise<void> {
    await this.ready;
    this.proc.send({ type: 'open', mode, pieces, subs } satisfies ToChild);
    await this.next('opened');
  }

  /** What it holds; it closes those sockets and is ready for the next phase. */
  async report(): Promise<Extract<FromChild, { type: 'report' }>> {
    this.proc.send({ type: 'report' } satisfies ToChild);
    const report = await this.next('report');
    [this.events, this.done] = [0, 0];
    return report;
  }

  kill(): void {
    if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }
}

/** In batches of 50: fn(0), fn(1), … fn(n - 1). */
async function inBatches<T>(n: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += 50) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => fn(i + j)))));
  }
  return out;
}

async function createCampaign(instance: Instance, agent: Agent, title: string): Promise<string> {
  const created = await post(agent, `${instance.url}/api/campaigns/`, { title });
  if (created.status !== 201) throw new Error(`creating a campaign: ${created.status} ${created.text}`);
  return (JSON.parse(created.text) as { id: string }).id;
}

/** Fresh campaigns (bare servers have none: any id will do), producers and subscribers, streams open. */
async function prepare(instances: Instance[], mode: Mode, pieces: number, children: SubscriberProcess[]) {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const campaigns = await inBatches(STREAMS, (i) =>
    mode === 'bare' ? Promise.resolve(randomUUID()) : createCampaign(instances[i % 2], agent, `${mode} bench ${i}`),
  );
  agent.destroy();
  const streams = await inBatches(
    STREAMS,
    async (i) => new Stream(i, campaigns[i], await openSocket(instances[i % 2].url)),
  );
  const pairs = streams.flatMap((s) => Array.from({ length: SUBS }, (_, j) => [s, (s.index + j) % 2] as const));
  const specs = pairs.map(([s, at], key) => ({ key, url: instances[at].url, campaign: s.campaign }));
  // dealt round-robin: each process holds some subscribers of every instance
  await Promise.all(
    children.map((c, k) =>
      c.open(
        mode,
        pieces,
        specs.filter((_, n) => n % children.length === k),
      ),
    ),
  );
  if (mode !== 'whole') {
    await inBatches(STREAMS, async (i) => {
      const s = streams[i];
      const req = { campaign: s.campaign, author: 'ai', message: '', status: 'streaming' as const };
      const ack = await s.producer.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:create', req);
      if (!ack.ok) throw new Error(`opening a stream: ${JSON.stringify(ack.error)}`);
      s.chatId = ack.data.id;
    });
  }
  return { streams, subscriberOf: pairs.map(([s]) => s) };
}

/**
 * Every stream's pieces on one even schedule (stream i's phase is i/STREAMS of a period, so the
 * sends spread over it), none awaiting an ack; resolves once every ack arrived (or timed out).
 */
async function produce(streams: Stream[], mode: Mode, tally: Tally, pieces: number): Promise<void> {
  const period = 1000 / RATE;
  const t0 = performance.now() + 20;
  tally.t0 = monotonicMs() + 20;
  // send j is piece ⌊j / STREAMS⌋ + 1 of stream j % STREAMS
  const due = (j: number) => t0 + Math.floor(j / STREAMS) * period + ((j % STREAMS) * period) / STREAMS;
  const acks: Promise<void>[] = [];
  const total = pieces * STREAMS;
  const send = (s: Stream, seq: number) => {
    s.sentAt[seq] = monotonicMs();
    s.sent = seq;
    const request =
      mode === 'whole'
        ? s.producer.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:create', {
            campaign: s.campaign,
            author: 'ai',
            message: piece(seq),
            status: 'complete',
          })
        : s.producer.timeout(ACK_TIMEOUT_MS).emitWithAck('chat:append', { id: s.chatId, seq, text: piece(seq) });
    acks.push(
      request.then(
        (ack) => (ack.ok ? void tally.acked++ : tally.fail(ack.error.code, ack.error.message)),
        (err: Error) => tally.fail('no ack', err.message),
      ),
    );
  };
  for (let j = 0; j < total;) {
    const now = performance.now();
    for (; j < total && due(j) <= now; j++) {
      tally.maxLag = Math.max(tally.maxLag, now - due(j));
      send(streams[j % STREAMS], Math.floor(j / STREAMS) + 1);
    }
    if (j < total) await sleep(due(j) - performance.now());
  }
  await Promise.all(acks);
}

async function finish(streams: Stream[], tally: Tally): Promise<void> {
  await Promise.all(
    streams.map(async (s) => {
      const ack = await s.producer
        .timeout(ACK_TIMEOUT_MS)
        .emitWithAck('chat:finish', { id: s.chatId })
        .catch((err: Error) => ({ ok: false as const, error: { code: 'no ack', message: err.message } }));
      if (ack.ok) s.final = ack.data;
      else tally.fail(`finish ${ack.error.code}`, ack.error.message);
    }),
  );
}

/** Until every subscriber has everything, or nothing new came for QUIET_MS. */
async function delivered(children: SubscriberProcess[]): Promise<void> {
  const sum = (key: 'events' | 'done') => children.reduce((n, c) => n + c[key], 0);
  for (let last = -1, quietSince = Date.now(); Date.now() - quietSince < QUIET_MS; await sleep(100)) {
    if (sum('done') >= STREAMS * SUBS) return;
    if (sum('events') !== last) [last, quietSince] = [sum('events'), Date.now()];
  }
}

/** The subscriber processes' reports, into the streams and the tally. */
async function collect(children: SubscriberProcess[], subscriberOf: Stream[], pieces: number, tally: Tally) {
  for (const { subs, counts } of await Promise.all(children.map((c) => c.report()))) {
    for (const [key, n] of Object.entries(counts)) tally[key as keyof Counts] += n;
    for (const { key, arrivals, ...sub } of subs) {
      const stream = subscriberOf[key];
      stream.subscribers.push(sub);
      for (let k = 1; k <= pieces; k++) if (!Number.isNaN(arrivals[k])) tally.record(arrivals[k], stream.sentAt[k]);
    }
  }
}

type Counters = { commits: number; lsn: string; xid: number };

/** The database's commits, WAL position and next transaction id; also: WAL bytes between two positions. */
function pgCounters(url: string) {
  const db = new Client({ connectionString: url });
  const connected = db.connect();
  return {
    async read(): Promise<Counters> {
      await connected;
      await db.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await db.query<{ commits: string; lsn: string; xid: string }>(
        `SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database())::text AS commits,
                pg_current_wal_lsn()::text AS lsn, pg_snapshot_xmax(pg_current_snapshot())::text AS xid`,
      );
      return { commits: Number(rows[0].commits), lsn: rows[0].lsn, xid: Number(rows[0].xid) };
    },
    async walBytes(from: string, to: string): Promise<number> {
      const { rows } = await db.query<{ n: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS n', [
        to,
        from,
      ]);
      return Number(rows[0].n);
    },
    end: () => db.end(),
  };
}
type Pg = ReturnType<typeof pgCounters> & { dir?: string };

/** The database's cost between two readings, per second over windowS. */
async function costs(pg: Pg, before: Counters, after: Counters, windowS: number) {
  const [commits, writeXacts, walBytes] = [
    after.commits - before.commits,
    after.xid - before.xid,
    await pg.walBytes(before.lsn, after.lsn),
  ];
  const perS = (n: number) => Math.round(n / windowS);
  // read-only transactions get no transaction id (roughly: an aborted write has one too)
  const readOnly = commits - writeXacts;
  return { commits, commitsPerS: perS(commits), writeXacts, readOnly, walBytes, walBytesPerS: perS(walBytes) };
}
type Costs = Awaited<ReturnType<typeof costs>>;

async function idleCosts(pg: Pg) {
  log(`idle window: ${STATS_SETTLE_MS / 1000} s for the start's counts to land, then ${IDLE_S} s`);
  await sleep(STATS_SETTLE_MS);
  const before = await pg.read();
  await sleep(IDLE_S * 1000);
  return costs(pg, before, await pg.read(), IDLE_S);
}

/** The subscriber processes serve every phase, the warm-ups included: none is measured cold. */
async function runPhase(mode: Mode, instances: Instance[], children: SubscriberProcess[], pg?: Pg, warmUp = false) {
  const [what, seconds] = warmUp ? [`${mode} (warm-up, unreported)`, WARMUP_S] : [mode, T];
  log(`${what}: preparing ${STREAMS} producers and ${STREAMS * SUBS} subscribers`);
  const tally = new Tally();
  const pieces = RATE * seconds;
  const { streams, subscriberOf } = await prepare(instances, mode, pieces, children);
  // what the preparation committed lands in the counters before they are read
  if (pg) await sleep(STATS_SETTLE_MS);
  const before = await pg?.read();
  const pgCpu0 = postgresCpu(pg?.dir);
  const stopSampling = sampleProcesses(instances);
  const subsCpu0 = children.map((c) => cpuSeconds(c.pid));
  const elu0 = performance.eventLoopUtilization();
  log(`${what}: ${STREAMS} × ${RATE} pieces/s for ${pieces / RATE} s`);
  const t0 = performance.now();
  await produce(streams, mode, tally, pieces);
  if (mode !== 'whole') await finish(streams, tally);
  const windowS = (performance.now() - t0) / 1000;
  const benchElu = round(performance.eventLoopUtilization(elu0).utilization, 2);
  const atEnd = await pg?.read(); // WAL and transaction ids now; commit counts after the settle
  await delivered(children);
  const subsCpuS = children.map((c, k) => (cpuSeconds(c.pid) - subsCpu0[k]).toFixed(1)).join('/');
  const resources = { ...stopSampling(), subsCpuS, pgCpuS: round(postgresCpu(pg?.dir) - pgCpu0) };
  await collect(children, subscriberOf, pieces, tally);
  let db: Costs | undefined;
  if (pg && before && atEnd) {
    await sleep(STATS_SETTLE_MS);
    db = await costs(pg, before, { ...atEnd, commits: (await pg.read()).commits }, windowS);
  }
  for (const s of streams) s.producer.disconnect();
  return summary(mode, streams, tally, { windowS, benchElu, resources, db });
}

function summary(
  mode: Mode,
  streams: Stream[],
  tally: Tally,
  run: { windowS: number; benchElu: number; resources: Record<string, string | number>; db?: Costs },
) {
  const subs = streams.flatMap((s) => s.subscribers.map((sub) => ({ s, sub })));
  const sent = streams.reduce((n, s) => n + s.sent, 0);
  const pct = (n: number, of: number) => (of ? Math.floor((n / of) * 10_000) / 100 : 0);
  const exact = subs.filter(({ s, sub }) => s.final && sub.status === 'complete' && sub.text === s.final.message);
  // what each stream committed is what its producer sent
  const committed = streams.filter((s) => s.final?.message === fullText(s.sent) && s.final.status === 'complete');
  const text =
    mode === 'whole'
      ? {
          'delivered%': pct(
            subs.reduce((n, { sub }) => n + sub.seen, 0),
            sent * SUBS,
          ),
        }
      : {
          'exact%': pct(exact.length, subs.length),
          'committed%': pct(committed.length, streams.length),
          uncovered: subs.reduce((n, { s, sub }) => n + s.sent - (sub.next - 1), 0),
        };
  const [p50, p99, max] = [0.5, 0.99, 1].map((q) => percentile(tally.latencies, q));
  const { db } = run;
  return {
    sent,
    acked: tally.acked,
    failed: tally.failed,
    ...text,
    events: tally.events,
    duplicates: tally.duplicates,
    gaps: tally.gaps,
    overlaps: tally.overlaps,
    misrouted: tally.misrouted,
    disconnects: tally.disconnects,
    p50,
    p99,
    max,
    windowS: round(run.windowS),
    sendLag: Math.round(tally.maxLag),
    benchElu: run.benchElu,
    ...db,
    ...run.resources,
    p99BySlice: tally.p99Over(SLICE_S * 1000),
    failures: Object.fromEntries(tally.failures),
    ...(tally.firstFailure && { firstFailure: tally.firstFailure }),
  };
}
type Result = ReturnType<typeof summary>;

async function startOurs(): Promise<{ instances: Instance[]; pg: Pg }> {
  let url = process.env.DATABASE_URL;
  let dir: string | undefined;
  if (!url) {
    dir = await group.tempDir('chat-bench-pg-');
    url = await group.startPostgres('chat', dir);
  }
  const node = async (name: string) => {
    const port = await freePort();
    const env = { ...process.env, ...SERVER_ENV, DATABASE_URL: url, PORT: String(port) };
    return group.start(name, port, spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' }));
  };
  // one after the other: the first migrates
  const a = await node('ours-a');
  const instances = [a, await node('ours-b')];
  return { instances, pg: { ...pgCounters(url), dir: dir && join(dir, 'data') } };
}

async function startBare(): Promise<Instance[]> {
  const [portA, portB] = [await freePort(), await freePort()];
  const bare = (port: number, peer: number) => fork(__filename, ['--bare-server', String(port), String(peer)]);
  return [
    await group.start('bare-a', portA, bare(portA, portB)),
    await group.start('bare-b', portB, bare(portB, portA)),
  ];
}

function report(results: Record<Mode, Result>, idle?: Costs) {
  const { stream, whole, bare } = results;
  const columns = Object.keys({ ...stream, ...whole, ...bare }).filter(
    (k) => !['failures', 'firstFailure', 'p99BySlice'].includes(k),
  );
  console.log(`\n${STREAMS} streams × ${RATE} pieces/s × ${T} s, ${SUBS} subscribers each, 2 instances`);
  console.table(
    { 'stream (appends)': stream, 'whole chats': whole, 'bare Socket.IO': bare, ...(idle && { idle: idle }) },
    columns,
  );
  for (const [mode, r] of Object.entries(results)) {
    console.log(`${mode}: p99 (ms) of the pieces sent in each ${SLICE_S} s: ${r.p99BySlice.join(', ')}`);
    if (r.failed)
      console.log(`${mode}: ${r.failed} failed acks ${JSON.stringify(r.failures)}; first: ${r.firstFailure}`);
  }
  const ratio = (x?: number, y?: number) => (x === undefined || y === undefined ? NaN : round(x / y, 3));
  // the goal counts commits that write (and so flush WAL); read-only ones are reported beside it
  const commitsPerAppend = ratio(stream.writeXacts, stream.acked);
  const p99Limit = round(bare.p99 + GOALS.p99OverBareMs);
  const exact = stream['exact%'] === 100 && !stream.duplicates && !stream.gaps && !stream.overlaps;
  const goals = {
    commits: commitsPerAppend <= GOALS.commitsPerAppend,
    p99: stream.p99 <= p99Limit,
  };
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const rows = {
    'write commits / appends': {
      value: commitsPerAppend,
      detail: `${stream.writeXacts} commits that wrote for ${stream.acked} appends (1/${round(1 / commitsPerAppend)})`,
      goal: `≤ 1/10 → ${verdict(goals.commits)}`,
    },
    'all commits / appends': {
      value: ratio(stream.commits, stream.acked),
      detail: `${stream.commits} in pg_stat_database, ${stream.readOnly} of them read-only (no WAL flush)`,
      goal: '',
    },
    'stream p99 vs bare p99 + 100 ms': {
      value: stream.p99,
      detail: `bare p99 ${bare.p99} ms → limit ${p99Limit} ms`,
      goal: `≤ ${p99Limit} → ${verdict(goals.p99)}`,
    },
    'text exact at subscribers': {
      value: stream['exact%'],
      detail: `${stream.duplicates} duplicates, ${stream.gaps} gaps, ${stream.overlaps} overlaps, ${stream.uncovered} uncovered`,
      goal: `100% → ${verdict(exact)}`,
    },
    'commits/s stream / whole chats': {
      value: ratio(stream.commitsPerS, whole.commitsPerS),
      detail: `${stream.commitsPerS} vs ${whole.commitsPerS} commits/s${idle ? ` (idle: ${idle.commitsPerS})` : ''}`,
      goal: '',
    },
    'WAL bytes/s stream / whole chats': {
      value: ratio(stream.walBytesPerS, whole.walBytesPerS),
      detail: `${stream.walBytesPerS} vs ${whole.walBytesPerS} B/s${idle ? ` (idle: ${idle.walBytesPerS})` : ''}`,
      goal: '',
    },
    'WAL bytes per piece stream / whole': {
      value: ratio(ratio(stream.walBytes, stream.acked), ratio(whole.walBytes, whole.acked)),
      detail: `${round(ratio(stream.walBytes, stream.acked))} vs ${round(ratio(whole.walBytes, whole.acked))} B`,
      goal: '',
    },
    'p50 stream / whole / bare': {
      value: stream.p50,
      detail: `${stream.p50} / ${whole.p50} / ${bare.p50} ms`,
      goal: '',
    },
    'p99 stream / whole / bare': {
      value: stream.p99,
      detail: `${stream.p99} / ${whole.p99} / ${bare.p99} ms`,
      goal: '',
    },
  };
  console.table(rows);
  console.log(`goal write commits/appends ≤ 1/10: ${verdict(goals.commits)} (${commitsPerAppend})`);
  console.log(`goal stream p99 ≤ bare p99 + 100 ms: ${verdict(goals.p99)} (${stream.p99} ≤ ${p99Limit})`);
  console.log(`text exact at every subscriber: ${verdict(exact)} (${stream['exact%']}%)`);
  const lag = Math.max(stream.sendLag, whole.sendLag, bare.sendLag);
  if (lag > 100) console.log(`note: the producers fell ${lag} ms behind schedule: this process was saturated`);
  return { commitsPerAppend, p99Limit, goals, exact };
}

async function main(): Promise<void> {
  if (process.env.BUILD !== '0' && spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) {
    throw new Error('build failed');
  }
  process.on('SIGINT', () => void group.stop().finally(() => process.exit(130)));
  const loadAvgAtStart = loadavg().map((l) => round(l, 2));
  log(`load average ${loadAvgAtStart.join(' ')} on ${cpus().length} CPUs (others' work skews latencies)`);
  const cpuBusyBefore = await cpuBusy('before start', log);
  const results = {} as Record<Mode, Result>;
  let idle: Costs | undefined;
  const children = Array.from({ length: CLIENTS }, () => new SubscriberProcess());
  try {
    const { instances, pg } = await startOurs();
    try {
      if (IDLE_S > 0) idle = await idleCosts(pg);
      // the instances' first streams (connection pools, JIT) are not what is measured
      if (WARMUP_S > 0) await runPhase('stream', instances, children, undefined, true);
      results.stream = await runPhase('stream', instances, children, pg);
      results.whole = await runPhase('whole', instances, children, pg);
    } finally {
      await pg.end();
    }
    await group.stop();
    const bare = await startBare();
    if (WARMUP_S > 0) await runPhase('bare', bare, children, undefined, true);
    results.bare = await runPhase('bare', bare, children);
  } finally {
    children.forEach((c) => c.kill());
    await group.stop();
  }
  const verdicts = report(results, idle);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `stream-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const settings = { T, STREAMS, RATE, SUBS, flushMs: process.env.FLUSH_MS ?? 'default' };
  const machine = { node: process.version, cpus: cpus().length, loadAvgAtStart, cpuBusyBefore };
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), settings, machine, results, idle, verdicts }, null, 2),
  );
  console.log(`\nresults written to ${file}`);
  if (!verdicts.exact) process.exitCode = 1;
}

if (process.argv[2] === '--subscribers') {
  runSubscribers();
} else if (process.argv[2] === '--bare-server') {
  bareServer(Number(process.argv[3]), Number(process.argv[4]), { streams: true });
} else {
  main().catch(async (err) => {
    console.error(err);
    await group.stop();
    process.exitCode = 1;
  });
}
