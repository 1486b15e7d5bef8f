/**
 * Realtime fan-out benchmark: chats written through REST reach every subscriber of the room.
 *
 *   npm run bench:realtime                            # one shape: S=1000 W=50 T=10 (env knobs)
 *   S=100 W=1000 T=3 npm run bench:realtime           # any shape
 *   npm run bench:realtime -- --targets               # both target shapes in sequence (T from env)
 *   DATABASE_URL=postgres://… npm run bench:realtime  # both instances on that database
 *   TYPING=1 npm run bench:realtime                   # also: the raw shape again under typing load
 *
 * S subscribers (socket.io-client, websocket, in this process) split across 2 fresh instances of
 * `node dist/main.js` (rebuilt first) on one Postgres (embedded in a temp dir unless DATABASE_URL);
 * once this process is idle again after the subscribes (each announced to the whole room), a
 * writer POSTs W chats/s to /api/chats/ for T s, alternating instances; latency = receipt - send.
 * The same subscribers through the client library (ChatClient rooms, one client each, same
 * instances, same process), and raw ones that also keep every chat they receive (an array per
 * subscriber: what any UI showing the chats keeps at least, as each room's timeline does),
 * take turns with the raw ones for ROUNDS rounds (default 5, after an unreported warm-up run);
 * each kind's p99 is the median of its rounds' (a round stalled by the machine does not decide;
 * the pooled rows count every delivery of the kind's rounds). Keeping the chats is
 * measured apart because this one process holds S clients' chats, S times what a page holds:
 * the garbage collector copies each kept chat as it ages, pausing the event loop that receives
 * for all S. After each run this process collects its garbage (`--expose-gc`, set by the npm
 * script), so that no run pays for what the one before it kept. Then the same against 2 bare
 * Socket.IO servers (no database; the one that takes the POST emits and relays to its peer):
 * the floor of client + Socket.IO costs.
 * Columns: sendLag = how far the writer fell behind schedule (high: this process is saturated);
 * postP99 = REST response time seen here; writesPerS = writes answered per second (first send to
 * last response); writeCpuS / writeElu / writeGcMs = this process's CPU seconds (all threads),
 * event-loop utilization (near 1: saturated, and the p99 measures its queue) and garbage-
 * collection pauses while the writer ran (mean per run); gcMaxMs = its longest such pause;
 * heapMb = its live heap when the writer started, after a full collection (what the S clients
 * hold, member lists included); rssMb = peak VmRSS per instance (every 100 ms; Postgres not
 * counted); cpuS = CPU seconds per instance / this process, for the whole run.
 * Results also go to bench-results/realtime-<timestamp>.json.
 * Rate limits, the in-flight cap and auth are off in the instances (one loopback IP would be throttled).
 * Targets: S=1000 W=50: 100% delivered, p99 ≤ 2× bare p99, and through the client library 100%
 * delivered with p99 ≤ 1.2× the raw socket.io-client p99 of the same run; S=100 W=1000: 100% delivered.
 * TYPING=1: after the raw measurement, the same shape again with the raw subscribers also in
 * 100 other rooms (two per room per pass over the subscribers, one on each instance: S=1000
 * puts 10 in each), each saying `typing: true` there every 3 s from a random phase, from its
 * subscribe to its close (the whole measured window); then once more without it, since the
 * first run also warms the instances up. Reports chat delivery p50/p99 of the three runs and
 * their ratios, the typing sent and relayed, and the events log's row count before and after
 * the loaded run: it grows by the chats written and nothing else (typing is never logged).
 * Each client socket is an open file here: the soft `ulimit -n` must exceed S + 512 (checked).
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { io as connect, type Socket } from 'socket.io-client';
import { ChatClient } from '../src/client';
import type { ChatRep, ClientToServerEvents as C2S, ServerToClientEvents as S2C } from '../src/protocol';
import { bareServer, post } from './support/bare-server';
import {
  freePort,
  processGroup,
  readFile,
  sampleProcesses,
  sleep,
  UNTHROTTLED_ENV,
  type Instance,
} from './support/processes';

type Shape = { S: number; W: number; T: number };
type RawSocket = Socket<S2C, C2S>;

/** What one measurement saw, filled in by subscribers and the writer. */
class Tally {
  latencies: number[] = [];
  postTimes: number[] = [];
  delivered = 0;
  duplicates = 0;
  disconnects = 0;
  ok = 0;
  failed = 0;
  maxLag = 0;
  /** Writer start and last response: the write rate the instances sustained. */
  writeSpan = [0, 0];
  firstFailure?: string;
  /** Typing load: `true`s acknowledged, refused or unanswered, and typing events received. */
  typing = { sent: 0, failed: 0, received: 0 };
  constructor(readonly sendTimes: Float64Array) {}
}

const ROOT = resolve(__dirname, '..');
const TARGETS = [
  { S: 1000, W: 50, goal: '100% delivered and p99 ≤ 2× bare p99', maxRatio: 2, clientGoal: 1.2 },
  { S: 100, W: 1000, goal: '100% delivered', maxRatio: Infinity, clientGoal: Infinity },
];
// one IP on loopback would hit the per-IP limits; auth is not what is measured
const group = processGroup();
const TYPING = process.env.TYPING === '1';
const TYPING_ROOMS = 100;
const TYPING_EVERY_MS = 3_000;
/** Rounds in which the kinds (raw, keeping, client library) take turns: one run's p99 swings with the machine's load. */
const ROUNDS = Number(process.env.ROUNDS ?? 5);

async function startOurs(): Promise<{ instances: Instance[]; databaseUrl: string }> {
  const node = (name: string, port: number, extra: NodeJS.ProcessEnv) => {
    const env = { ...process.env, ...UNTHROTTLED_ENV, ...extra, PORT: String(port) };
    return group.start(name, port, spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' }));
  };
  const [portA, portB, pgPort] = [await freePort(), await freePort(), await freePort()];
  let url = process.env.DATABASE_URL;
  const owner = url
    ? { DATABASE_URL: url }
    : { EMBEDDED_PG_DIR: await group.tempDir('chat-bench-pg-'), EMBEDDED_PG_PORT: String(pgPort) };
  const a = await node('ours-a', portA, owner);
  url ??= `postgres://postgres:postgres@127.0.0.1:${pgPort}/chat`;
  return { instances: [a, await node('ours-b', portB, { DATABASE_URL: url })], databaseUrl: url };
}

async function createCampaign(instance: Instance, title: string): Promise<string> {
  const created = await post(new Agent(), `${instance.url}/api/campaigns/`, { title });
  if (created.status !== 201) throw new Error(`creating a campaign: ${created.status} ${created.text}`);
  return (JSON.parse(created.text) as { id: string }).id;
}

async function eventsLogRows(databaseUrl: string, campaigns?: string[]): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const where = campaigns ? 'WHERE campaign_id = ANY($1)' : '';
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM events ${where}`,
      campaigns ? [campaigns] : [],
    );
    return rows[0].n;
  } finally {
    await client.end();
  }
}

async function startBare(): Promise<Instance[]> {
  const [portA, portB] = [await freePort(), await freePort()];
  const bare = (port: number, peer: number) => fork(__filename, ['--bare-server', String(port), String(peer)]);
  return [
    await group.start('bare-a', portA, bare(portA, portB)),
    await group.start('bare-b', portB, bare(portB, portA)),
  ];
}

const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;

const percentile = (values: number[], q: number) => {
  const sorted = Float64Array.from(values).sort();
  return sorted.length ? Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] * 10) / 10 : NaN;
};

type Closable = { close(): void };
type Subscribe = (instances: Instance[], S: number, campaignId: string, tally: Tally) => Promise<Closable[]>;

/** Counts one chat's arrival at one subscriber. */
function received(tally: Tally, seen: Set<string>, data: { id: string; message: string }): void {
  const at = performance.now();
  tally.delivered++;
  if (seen.has(data.id)) tally.duplicates++;
  seen.add(data.id);
  const sent = tally.sendTimes[Number(data.message.slice('bench '.length))];
  if (sent >= 0) tally.latencies.push(at - sent);
}

/** The same subscribers through the client library: a ChatClient each, its room live once subscribed. */
const subscribeThroughClient: Subscribe = async (instances, S, campaignId, tally) => {
  const open = async (url: string) => {
    const seen = new Set<string>();
    const client = new ChatClient({ url, transports: ['websocket'] });
    const room = client.room(campaignId);
    room.on('chat:created', (chat) => received(tally, seen, chat));
    room.on('state', (state) => state === 'recovering' && tally.disconnects++);
    await new Promise<void>((resolve, reject) => {
      room.on('state', (state) => state === 'live' && resolve());
      room.on('error', reject);
    });
    return client;
  };
  const clients: ChatClient[] = [];
  for (let i = 0; i < S; i += 100) {
    const batch = Array.from({ length: Math.min(100, S - i) }, (_, j) => open(instances[(i + j) % 2].url));
    clients.push(...(await Promise.all(batch)));
  }
  return clients;
};

/** More for subscriber `i` to do once subscribed; returns how to stop it. */
type Also = (socket: RawSocket, i: number, tally: Tally) => Promise<() => void>;

/**
 * S subscribers split across the instances, in batches of 100, each acked by `subscribe`.
 * `keep`: each also keeps every chat it receives, as the least a UI showing them must.
 */
const subscribe =
  ({ also, keep = false }: { also?: Also; keep?: boolean } = {}): Subscribe =>
  async (instances, S, campaignId, tally) => {
    const open = async (i: number) => {
      const seen = new Set<string>();
      const kept: ChatRep[] = [];
      const url = instances[i % 2].url;
      const socket: RawSocket = connect(url, { transports: ['websocket'], reconnection: false, forceNew: true });
      socket.on('chat:created', ({ data }) => (keep && kept.push(data), received(tally, seen, data)));
      socket.on('disconnect', () => tally.disconnects++);
      const ack = await socket.timeout(60_000).emitWithAck('subscribe', { campaignId });
      if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
      const stop = await also?.(socket, i, tally);
      return { close: () => (stop?.(), socket.disconnect()) };
    };
    const clients: Closable[] = [];
    for (let i = 0; i < S; i += 100) {
      clients.push(...(await Promise.all(Array.from({ length: Math.min(100, S - i) }, (_, j) => open(i + j)))));
    }
    return clients;
  };

/**
 * The typing load: subscriber `i` also joins typing room ⌊i/2⌋ mod 100 (so each room has
 * members on both instances) and says `typing: true` there every 3 s, from a random phase.
 */
const typingIn =
  (rooms: string[]): Also =>
  async (socket, i, tally) => {
    const campaignId = rooms[Math.floor(i / 2) % rooms.length];
    const ack = await socket.timeout(60_000).emitWithAck('subscribe', { campaignId });
    if (!ack.ok) throw new Error(`subscribe to a typing room failed: ${JSON.stringify(ack.error)}`);
    socket.on('typing', () => tally.typing.received++);
    const say = () =>
      socket
        .timeout(10_000)
        .emitWithAck('typing', { campaignId, typing: true })
        .then(
          (res) => void (res.ok ? tally.typing.sent++ : tally.typing.failed++),
          () => void tally.typing.failed++,
        );
    let every: ReturnType<typeof setInterval> | undefined;
    const first = setTimeout(
      () => (void say(), (every = setInterval(say, TYPING_EVERY_MS))),
      Math.random() * TYPING_EVERY_MS,
    );
    return () => (clearTimeout(first), clearInterval(every));
  };

/** W chats/s for T s on an even schedule; sends are not awaited, so a slow response delays nothing. */
async function write(instances: Instance[], campaignId: string, { W, T }: Shape, tally: Tally): Promise<void> {
  // an idle socket is closed here after 4 s, before the server's 5 s keep-alive closes it under a write
  const agents = instances.map(() => new Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000 }));
  const failed = (why: string) => void ((tally.firstFailure ??= why), tally.failed++);
  const inFlight: Promise<void>[] = [];
  const t0 = (tally.writeSpan[0] = performance.now());
  const due = (seq: number) => t0 + (seq * 1000) / W;
  for (let seq = 0; seq < W * T; await sleep(due(seq) - performance.now())) {
    for (const now = performance.now(); seq < W * T && due(seq) <= now; seq++) {
      tally.maxLag = Math.max(tally.maxLag, now - due(seq));
      const sentAt = (tally.sendTimes[seq] = performance.now());
      const body = { campaign: campaignId, author: 'human', message: `bench ${seq}` };
      const req = post(agents[seq % 2], `${instances[seq % 2].url}/api/chats/`, body).then(
        ({ status, text }) => {
          tally.writeSpan[1] = performance.now();
          tally.postTimes.push(tally.writeSpan[1] - sentAt);
          return status === 201 ? void tally.ok++ : failed(`${status} ${text}`);
        },
        (err: Error) => failed(err.message),
      );
      inFlight.push(req);
    }
  }
  await Promise.all(inFlight);
  agents.forEach((agent) => agent.destroy());
}

/**
 * Resolves once this process is nearly idle (event loop busy under 10% of 250 ms), or after
 * 30 s: each subscribe announces its member to the whole room, so the last batches leave
 * ~10^5 presence events in flight, and chat latency is measured after them, not behind them.
 */
async function settled(): Promise<void> {
  for (const until = Date.now() + 30_000; Date.now() < until;) {
    const before = performance.eventLoopUtilization();
    await sleep(250);
    if (performance.eventLoopUtilization(before).utilization < 0.1) return;
  }
}

type Measured = ReturnType<typeof summary>;

/** What one measurement left: its tally, and what the processes used meanwhile. */
type Run = {
  tally: Tally;
  expected: number;
  typingPerS: number;
  /**
   * This process while the writer ran: CPU seconds (all threads), its event loop's busy share,
   * the ms that loop stood still for the garbage collector (in all, and the longest pause), and
   * its live heap (MiB) when the writer started.
   */
  writing: { cpuS: number; elu: number; gcMs: number; gcMaxMs: number; heapMb: number };
  resources: { rssMb: string; cpuS: string };
};

/** A full collection of this process's heap (`--expose-gc`, set by the npm script; else nothing). */
const collectGarbage = () => (globalThis as { gc?: () => void }).gc?.();

/** The garbage collector's pauses of this process until stopped: their sum and the longest, in ms. */
function gcPauses(): { stop(): { ms: number; maxMs: number } } {
  let [ms, maxMs] = [0, 0];
  const observer = new PerformanceObserver((list) =>
    list.getEntries().forEach((e) => ((ms += e.duration), (maxMs = Math.max(maxMs, e.duration)))),
  );
  observer.observe({ entryTypes: ['gc'] });
  return { stop: () => (observer.disconnect(), { ms: Math.round(ms), maxMs: Math.round(maxMs) }) };
}

async function measure(instances: Instance[], campaignId: string, shape: Shape, open: Subscribe = subscribe()) {
  console.log(`${new Date().toISOString().slice(11, 19)} subscribing on ${instances.map((i) => i.name).join(', ')}`);
  const stopSampling = sampleProcesses(instances);
  const startedAt = Date.now();
  const tally = new Tally(new Float64Array(shape.W * shape.T).fill(NaN));
  const clients = await open(instances, shape.S, campaignId, tally);
  await settled();
  // what the subscribes left behind (parsed presence events, acks) is not the writer's to collect
  collectGarbage();
  const heapMb = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
  const [cpu0, elu0, gc] = [process.cpuUsage(), performance.eventLoopUtilization(), gcPauses()];
  await write(instances, campaignId, shape, tally);
  const { user, system } = process.cpuUsage(cpu0);
  const { utilization } = performance.eventLoopUtilization(elu0);
  const { ms: gcMs, maxMs: gcMaxMs } = gc.stop();
  const writing = { cpuS: (user + system) / 1e6, elu: utilization, gcMs, gcMaxMs, heapMb };
  const expected = tally.ok * shape.S;
  // settle: everything arrived, or nothing more for 5 s
  for (let last = 0, idleSince = Date.now(); tally.delivered < expected && Date.now() - idleSince < 5_000;) {
    await sleep(100);
    if (tally.delivered !== last) [last, idleSince] = [tally.delivered, Date.now()];
  }
  // counted before our own disconnects
  const counted = { ...tally, typing: { ...tally.typing } };
  const typingPerS = Math.round((tally.typing.sent * 1000) / (Date.now() - startedAt));
  clients.forEach((client) => client.close());
  await sleep(1_000); // the sockets close
  // whatever this run kept (a client-library or keeping run: S × W × T chats) is garbage now:
  // collected here, not by a major GC in the middle of the next run
  collectGarbage();
  return summary([{ tally: counted, expected, typingPerS, writing, resources: stopSampling() }]);
}

/** One row for runs of one kind: counts summed, percentiles over every latency of every run. */
function summary(runs: Run[]) {
  const sum = (of: (run: Run) => number) => runs.reduce((total, run) => total + of(run), 0);
  const [sentOk, delivered, expected] = [sum((r) => r.tally.ok), sum((r) => r.tally.delivered), sum((r) => r.expected)];
  const latencies = runs.flatMap((r) => r.tally.latencies);
  const [p50, p99, max] = [0.5, 0.99, 1].map((q) => percentile(latencies, q));
  const row = {
    sentOk,
    failed: sum((r) => r.tally.failed),
    delivered,
    expected,
    'delivery%': expected ? Math.floor((delivered / expected) * 10_000) / 100 : 0,
    duplicates: sum((r) => r.tally.duplicates),
    disconnects: sum((r) => r.tally.disconnects),
  };
  const timing = {
    p50,
    p99,
    max,
    postP99: percentile(
      runs.flatMap((r) => r.tally.postTimes),
      0.99,
    ),
    writesPerS: Math.round((sentOk * 1000) / sum((r) => r.tally.writeSpan[1] - r.tally.writeSpan[0])),
    sendLag: Math.round(Math.max(...runs.map((r) => r.tally.maxLag))),
  };
  // per process: the highest peak RSS, and the mean CPU seconds of a run
  const perProcess = (key: 'rssMb' | 'cpuS', combine: (values: number[]) => number) =>
    runs[0].resources[key]
      .split('/')
      .map((_, i) => combine(runs.map((r) => Number(r.resources[key].split('/')[i]))))
      .join('/');
  const mean = (of: (run: Run) => number) => sum(of) / runs.length;
  const writing = {
    writeCpuS: Math.round(mean((r) => r.writing.cpuS) * 100) / 100,
    writeElu: Math.round(mean((r) => r.writing.elu) * 100) / 100,
    writeGcMs: Math.round(mean((r) => r.writing.gcMs)),
    gcMaxMs: Math.max(...runs.map((r) => r.writing.gcMaxMs)),
    heapMb: Math.round(mean((r) => r.writing.heapMb)),
  };
  const resources = {
    rssMb: perProcess('rssMb', (v) => Math.max(...v)),
    cpuS: perProcess('cpuS', (v) => Math.round((v.reduce((a, b) => a + b, 0) / v.length) * 10) / 10),
  };
  const firstFailure = runs.find((r) => r.tally.firstFailure)?.tally.firstFailure;
  const typing = {
    sent: sum((r) => r.tally.typing.sent),
    failed: sum((r) => r.tally.typing.failed),
    received: sum((r) => r.tally.typing.received),
    perS: sum((r) => r.typingPerS),
  };
  return { ...row, ...timing, ...writing, ...resources, ...(firstFailure && { firstFailure }), typing, runs };
}

/**
 * The raw shape again, its subscribers typing in 100 other rooms meanwhile; the events log is
 * counted before and after: it must grow by the chats written and nothing else.
 */
async function measureUnderTyping(ours: Instance[], databaseUrl: string, campaignId: string, shape: Shape) {
  const rooms: string[] = [];
  for (let r = 0; r < TYPING_ROOMS; r++) rooms.push(await createCampaign(ours[r % 2], `typing room ${r}`));
  const [before, typingRoomsBefore] = [await eventsLogRows(databaseUrl), await eventsLogRows(databaseUrl, rooms)];
  const result = await measure(ours, campaignId, shape, subscribe({ also: typingIn(rooms) }));
  const [after, typingRoomsAfter] = [await eventsLogRows(databaseUrl), await eventsLogRows(databaseUrl, rooms)];
  const eventsLog = { before, after, chatsWritten: result.sentOk, other: after - before - result.sentOk };
  return { result, eventsLog, typingRoomsRows: typingRoomsAfter - typingRoomsBefore };
}

async function runShape(shape: Shape) {
  console.log(`\n== S=${shape.S} subscribers, W=${shape.W} chats/s, T=${shape.T} s`);
  try {
    const { instances: ours, databaseUrl } = await startOurs();
    const campaignId = await createCampaign(ours[0], 'realtime bench');
    // warms up the instances and this process (through the library, whose path includes the raw one)
    await measure(ours, campaignId, { ...shape, T: 2 }, subscribeThroughClient);
    // the kinds take turns, in reverse order every other round, so that none always runs after another
    const kinds = { raw: subscribe(), keeping: subscribe({ keep: true }), client: subscribeThroughClient };
    const rounds: Record<keyof typeof kinds, Measured[]> = { raw: [], keeping: [], client: [] };
    for (let r = 0; r < ROUNDS; r++) {
      const order = (['raw', 'keeping', 'client'] as const).slice();
      for (const kind of r % 2 ? order.reverse() : order)
        rounds[kind].push(await measure(ours, campaignId, shape, kinds[kind]));
    }
    const pool = (runs: Measured[]) => summary(runs.flatMap((r) => r.runs));
    const [oursResult, keepingResult, clientResult] = [pool(rounds.raw), pool(rounds.keeping), pool(rounds.client)];
    const typing = TYPING ? await measureUnderTyping(ours, databaseUrl, campaignId, shape) : undefined;
    // the rounds also warm the instances up: a run without the load after it brackets the loaded one
    const again = typing && (await measure(ours, campaignId, shape));
    await group.stop();
    const bareResult = await measure(await startBare(), randomUUID(), shape);
    // each kind's p99 is the median of its rounds': a round stalled by the machine does not decide
    const p99 = Object.fromEntries(
      Object.entries(rounds).map(([kind, runs]) => [
        kind,
        runs.map((r) => r.p99).sort((a, b) => a - b)[runs.length >> 1],
      ]),
    ) as Record<keyof typeof rounds, number>;
    const [p99Ratio, clientRatio] = [ratio(p99.raw, bareResult.p99), ratio(p99.client, p99.raw)];
    const [keepingRatio, clientToKeeping] = [ratio(p99.keeping, p99.raw), ratio(p99.client, p99.keeping)];
    const columns = Object.keys(oursResult).filter((k) => !['firstFailure', 'typing', 'runs'].includes(k));
    const typingRow = typing && again && { 'ours, typing load': typing.result, 'ours, no typing again': again };
    const perRound = Object.fromEntries(
      rounds.raw.flatMap((raw, r) => [
        [`ours, round ${r + 1}`, raw],
        [`ours keeping the chats, round ${r + 1}`, rounds.keeping[r]],
        [`client library, round ${r + 1}`, rounds.client[r]],
      ]),
    );
    const pooled = {
      [`ours, ${ROUNDS} rounds`]: oursResult,
      [`ours keeping the chats, ${ROUNDS} rounds`]: keepingResult,
      [`client library, ${ROUNDS} rounds`]: clientResult,
    };
    console.table({ ...perRound, ...pooled, ...typingRow, bare: bareResult }, columns);
    const roundRatios = rounds.raw.map((raw, r) => ratio(rounds.client[r].p99, raw.p99));
    console.log(`p99 client library/raw by round: ${roundRatios.join(', ')}`);
    console.log(`p99, median of the rounds: raw ${p99.raw}, keeping the chats ${p99.keeping}, client ${p99.client} ms`);
    console.log(
      `p99 raw keeping the chats/raw = ${keepingRatio}×; client library/raw keeping the chats = ${clientToKeeping}×`,
    );
    const typingFigures = typing && again && reportTyping([oursResult, again], typing);
    if (oursResult.firstFailure) console.log(`first failed write: ${oursResult.firstFailure}`);
    const target = TARGETS.find((t) => t.S === shape.S && t.W === shape.W);
    const met = (r: Measured, value: number, max: number) => r['delivery%'] === 100 && !r.duplicates && value <= max;
    const targetMet = target && met(oursResult, p99Ratio, target.maxRatio);
    const clientTargetMet = target && met(clientResult, clientRatio, target.clientGoal);
    const verdict = target ? `${target.goal} → ${targetMet ? 'MET' : 'MISSED'}` : 'none for this shape';
    console.log(`p99 ours/bare = ${p99Ratio}×; target: ${verdict}`);
    const clientGoal = target && `100% delivered and p99 ≤ ${target.clientGoal}× ours (raw socket.io-client)`;
    const clientVerdict = target ? `${clientGoal} → ${clientTargetMet ? 'MET' : 'MISSED'}` : 'none for this shape';
    console.log(`p99 client library/raw = ${clientRatio}×; target: ${clientVerdict}`);
    const lag = Math.max(oursResult.sendLag, clientResult.sendLag, bareResult.sendLag);
    if (lag > 100) console.log(`note: the writer fell ${lag} ms behind: this process (the clients) was saturated`);
    return {
      shape,
      ...{ ours: oursResult, keeping: keepingResult, client: clientResult, bare: bareResult, p99Ratio, clientRatio },
      ...{ p99, keepingRatio, clientToKeeping, rounds, roundRatios },
      ...(typing && { typing: { ...typing, ...typingFigures } }),
      ...{ target: target?.goal, targetMet, clientTarget: clientGoal, clientTargetMet },
    };
  } finally {
    await group.stop();
  }
}

/** Chat delivery without and with the typing load, and what the load cost the events log. */
function reportTyping(
  [before, after]: Awaited<ReturnType<typeof measure>>[],
  { result: loaded, eventsLog, typingRoomsRows }: Awaited<ReturnType<typeof measureUnderTyping>>,
) {
  const row = (r: typeof before) => ({ 'delivery%': r['delivery%'], p50: r.p50, p99: r.p99, max: r.max });
  const ratios = (r: typeof before) => ({ p50: ratio(loaded.p50, r.p50), p99: ratio(loaded.p99, r.p99) });
  const [toFirst, toAgain] = [ratios(before), ratios(after)];
  console.log(`\nchat delivery without and with typing (${TYPING_ROOMS} rooms, each subscriber every 3 s):`);
  console.table({
    '1. no typing': row(before),
    '2. typing': row(loaded),
    '3. no typing again': row(after),
    '2 / 1': toFirst,
    '2 / 3': toAgain,
  });
  const { sent, failed, received, perS } = loaded.typing;
  console.log(`typing: ${sent} sent (${perS}/s), ${failed} failed, ${received} received by other members`);
  console.log(
    `events log: ${eventsLog.before} rows before, ${eventsLog.after} after: +${eventsLog.chatsWritten} chats, ` +
      `+${eventsLog.other} other; ${typingRoomsRows} in the typing rooms`,
  );
  return { ratioToFirst: toFirst, ratioToAgain: toAgain };
}

async function main(): Promise<void> {
  const [S, W, T] = [process.env.S ?? 1000, process.env.W ?? 50, process.env.T ?? 10].map(Number);
  const shapes = process.argv.includes('--targets') ? TARGETS.map((t) => ({ S: t.S, W: t.W, T })) : [{ S, W, T }];
  const limit = Number(/Max open files\s+(\d+)/.exec(readFile('/proc/self/limits'))?.[1] ?? Infinity);
  const needed = Math.max(...shapes.map((s) => s.S)) + 512;
  if (limit < needed) throw new Error(`open-files limit is ${limit}, too low for S: run \`ulimit -n ${needed}\` first`);
  if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  process.on('SIGINT', () => void group.stop().finally(() => process.exit(130)));
  const loadAvgAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  console.log(`load average ${loadAvgAtStart.join(' ')} on ${cpus().length} CPUs (others' work skews latencies)`);
  const results = [];
  for (const shape of shapes) results.push(await runShape(shape));
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `realtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: cpus().length, loadAvgAtStart };
  // each run's latencies stay out: the percentiles are there
  const json = JSON.stringify(
    { at: new Date().toISOString(), machine, results },
    (k, v) => (k === 'runs' ? undefined : v),
    2,
  );
  writeFileSync(file, json);
  console.log(`\nresults written to ${file}`);
}

if (process.argv[2] === '--bare-server') {
  bareServer(Number(process.argv[3]), Number(process.argv[4]));
} else {
  main().catch(async (err) => {
    console.error(err);
    await group.stop();
    process.exitCode = 1;
  });
}
