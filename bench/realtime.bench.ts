/**
 * Realtime fan-out benchmark: chats written through REST reach every subscriber of the room.
 *
 *   npm run bench:realtime                          # one shape: S=1000 W=50 T=10 (env knobs)
 *   S=100 W=1000 T=3 npm run bench:realtime         # any shape
 *   npm run bench:realtime -- --targets             # both target shapes in sequence (T from env)
 *   DATABASE_URL=postgres://… npm run bench:realtime  # both instances on that database
 *
 * S subscribers (socket.io-client, websocket only, in this process) split across 2 instances of
 * `node dist/main.js` (rebuilt first) on one Postgres (a fresh embedded one in a temp dir unless
 * DATABASE_URL is set); a writer POSTs W chats/s to /api/chats/ for T seconds, alternating
 * instances. Latency = receipt - send, measured in this process (one clock). The same shape then
 * runs against 2 bare Socket.IO servers (child processes, no database; the one that takes the
 * POST emits and relays to its peer): the floor of client + Socket.IO costs.
 * Each shape starts fresh instances, so peak RSS (VmRSS of each node process every 100 ms; the
 * embedded Postgres is not counted) belongs to that shape alone.
 * Targets: S=1000 W=50 → 100% delivered and p99 ≤ 2× bare p99; S=100 W=1000 → 100% delivered.
 * Results: bench-results/realtime-<timestamp>.json. Every client socket is an open file here:
 * the soft `ulimit -n` must exceed S by a margin (the script refuses to start otherwise).
 * "send lag" is how late the writer sent behind its schedule: high means this process is saturated.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Server } from 'socket.io';
import { io as connect, type Socket } from 'socket.io-client';
import { campaignRoom, type ChatRep, type ClientToServerEvents, type LiveEvent } from '../src/realtime/protocol';
import type { ServerToClientEvents } from '../src/realtime/protocol';

interface Shape {
  S: number;
  W: number;
  T: number;
}
interface Instance {
  name: string;
  url: string;
  proc: ChildProcess;
}
type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const ROOT = resolve(__dirname, '..');
const TARGETS = [
  { S: 1000, W: 50, goal: '100% delivered and p99 ≤ 2× bare p99', maxRatio: 2 },
  { S: 100, W: 1000, goal: '100% delivered', maxRatio: Infinity },
];
const children: Instance[] = [];
const tempDirs: string[] = [];

const envInt = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

function post(agent: Agent, url: string, body: unknown): Promise<{ status: number; text: string }> {
  const data = JSON.stringify(body);
  const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) };
  return new Promise((done, fail) => {
    const req = request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', fail);
    req.end(data);
  });
}

/** A bare Socket.IO server: POST /api/chats/ emits to the room here and relays to the peer. */
function bareServer(port: number, peerPort: number): void {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let cursor = 0;
  const http = createServer((req, res) => {
    if (req.method !== 'POST') return void res.end('ok'); // /readyz
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk));
    req.on('end', () => {
      let event = JSON.parse(body) as LiveEvent<ChatRep>;
      if (req.url !== '/relay') {
        const { campaign, author, message } = event as unknown as ChatRep;
        const data = { id: randomUUID(), campaign, author, message, created_at: new Date().toISOString(), datas: [] };
        event = { cursor: String(++cursor), campaign, data };
        post(agent, `http://127.0.0.1:${peerPort}/relay`, event).catch((err) => console.error('relay failed', err));
      }
      io.to(campaignRoom(event.campaign)).emit('chat:created', event);
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(event.data));
    });
  });
  const io = new Server<ClientToServerEvents, ServerToClientEvents>(http, { serveClient: false });
  io.on('connection', (socket) =>
    socket.on('subscribe', (req, ack) => {
      void socket.join(campaignRoom(req.campaignId));
      ack({ ok: true, cursor: String(cursor), replayed: 0 });
    }),
  );
  http.listen(port, '127.0.0.1');
}

async function startChild(name: string, port: number, child: ChildProcess): Promise<Instance> {
  const instance = { name, url: `http://127.0.0.1:${port}`, proc: child };
  children.push(instance);
  for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(200)) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode}`);
    const res = await fetch(`${instance.url}/readyz`).catch(() => undefined);
    if (res?.status === 200) return instance;
  }
  throw new Error(`${name} not ready after 90 s`);
}

async function startOurs(): Promise<Instance[]> {
  const env = { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn' };
  const node = (port: number, extra: Record<string, string>) =>
    spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: { ...env, PORT: String(port), ...extra }, stdio: 'inherit' });
  const [portA, portB] = [await freePort(), await freePort()];
  let databaseUrl = process.env.DATABASE_URL;
  let a: Instance;
  if (databaseUrl) {
    a = await startChild('ours-a', portA, node(portA, { DATABASE_URL: databaseUrl }));
  } else {
    const dir = await mkdtemp(join(tmpdir(), 'chat-bench-pg-'));
    tempDirs.push(dir);
    const pgPort = await freePort();
    a = await startChild('ours-a', portA, node(portA, { EMBEDDED_PG_DIR: dir, EMBEDDED_PG_PORT: String(pgPort) }));
    databaseUrl = `postgres://postgres:postgres@127.0.0.1:${pgPort}/chat`;
  }
  return [a, await startChild('ours-b', portB, node(portB, { DATABASE_URL: databaseUrl }))];
}

async function startBare(): Promise<Instance[]> {
  const [portA, portB] = [await freePort(), await freePort()];
  const bare = (port: number, peer: number) => fork(__filename, ['--bare-server', String(port), String(peer)]);
  return [await startChild('bare-a', portA, bare(portA, portB)), await startChild('bare-b', portB, bare(portB, portA))];
}

/** SIGTERM in reverse start order (the instance owning the embedded Postgres goes last). */
async function cleanup(): Promise<void> {
  for (const { proc } of children.splice(0).reverse()) {
    if (proc.exitCode !== null || proc.signalCode !== null) continue;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    if ((await Promise.race([exited, sleep(20_000).then(() => 'timeout')])) === 'timeout') proc.kill('SIGKILL');
  }
  for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
}

function sampleRss(instances: Instance[]): () => Record<string, number> {
  const peak: Record<string, number> = {};
  const timer = setInterval(() => {
    for (const { name, proc } of instances) {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1];
      peak[name] = Math.max(peak[name] ?? 0, Math.round(Number(kb) / 1024));
    }
  }, 100);
  return () => (clearInterval(timer), peak);
}

const percentile = (sorted: Float64Array, q: number) =>
  sorted.length ? Math.round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] * 10) / 10 : NaN;

async function measure(instances: Instance[], campaignId: string, { S, W, T }: Shape) {
  const stopRss = sampleRss(instances);
  const total = W * T;
  const sendTimes = new Float64Array(total).fill(NaN);
  const latencies: number[] = [];
  let [delivered, duplicates, disconnects, ok, failed, maxLag] = [0, 0, 0, 0, 0, 0];
  let firstFailure: string | undefined;

  const clients: Client[] = [];
  for (let i = 0; i < S; i += 100) {
    const batch = Array.from({ length: Math.min(100, S - i) }, async (_, j) => {
      const seen = new Set<string>();
      const socket: Client = connect(instances[(i + j) % 2].url, {
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      clients.push(socket);
      socket.on('chat:created', ({ data }) => {
        const at = performance.now();
        delivered++;
        if (seen.has(data.id)) duplicates++;
        seen.add(data.id);
        const sent = sendTimes[Number(data.message.slice('bench '.length))];
        if (sent >= 0) latencies.push(at - sent);
      });
      socket.on('disconnect', () => disconnects++);
      const ack = await socket.timeout(60_000).emitWithAck('subscribe', { campaignId });
      if (!ack.ok) throw new Error(`subscribe failed: ${JSON.stringify(ack.error)}`);
    });
    await Promise.all(batch);
  }

  // an even schedule; requests are not awaited, so a slow response never delays the next send
  const agents = [0, 1].map(() => new Agent({ keepAlive: true, maxSockets: 64 }));
  const inFlight: Promise<void>[] = [];
  const t0 = performance.now();
  for (let seq = 0; seq < total; ) {
    const now = performance.now();
    for (; seq < total && t0 + (seq * 1000) / W <= now; seq++) {
      maxLag = Math.max(maxLag, now - (t0 + (seq * 1000) / W));
      sendTimes[seq] = performance.now();
      const body = { campaign: campaignId, author: 'human', message: `bench ${seq}` };
      const sent = post(agents[seq % 2], `${instances[seq % 2].url}/api/chats/`, body).then(
        ({ status, text }) => void (status === 201 ? ok++ : ((firstFailure ??= `${status} ${text}`), failed++)),
        (err: Error) => void ((firstFailure ??= err.message), failed++),
      );
      inFlight.push(sent);
    }
    await sleep(Math.max(0, t0 + (seq * 1000) / W - performance.now()));
  }
  await Promise.all(inFlight);

  // settle: everything arrived, or nothing more for 5 s
  const expected = ok * S;
  for (let last = delivered, idleSince = Date.now(); delivered < expected && Date.now() - idleSince < 5_000; ) {
    await sleep(100);
    if (delivered !== last) [last, idleSince] = [delivered, Date.now()];
  }
  const peakRssMb = stopRss();
  const lost = disconnects; // before ours below
  for (const socket of clients) socket.disconnect();
  agents.forEach((agent) => agent.destroy());
  const sorted = Float64Array.from(latencies).sort();
  return {
    sent: total,
    ok,
    failed,
    ...(firstFailure && { firstFailure }),
    delivered,
    expected,
    deliveryPct: expected ? Math.round((delivered / expected) * 10_000) / 100 : 0,
    duplicates,
    disconnects: lost,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: percentile(sorted, 1),
    maxSendLagMs: Math.round(maxLag),
    peakRssMb,
  };
}

async function runShape(shape: Shape) {
  console.log(`\n== S=${shape.S} subscribers, W=${shape.W} chats/s, T=${shape.T} s`);
  try {
    const ours = await startOurs();
    const created = await post(new Agent(), `${ours[0].url}/api/campaigns/`, { title: 'realtime bench' });
    const campaignId = (JSON.parse(created.text) as { id: string }).id;
    const oursResult = await measure(ours, campaignId, shape);
    await cleanup();
    const bareResult = await measure(await startBare(), randomUUID(), shape);
    const ratio = Math.round((oursResult.p99 / bareResult.p99) * 100) / 100;
    const { peakRssMb: oursRss, firstFailure: _f, ...oursRow } = oursResult;
    const { peakRssMb: bareRss, firstFailure: _g, ...bareRow } = bareResult;
    console.table({ ours: { ...oursRow, ...oursRss }, bare: { ...bareRow, ...bareRss } });
    if (oursResult.firstFailure) console.log(`first failed write: ${oursResult.firstFailure}`);
    const target = TARGETS.find((t) => t.S === shape.S && t.W === shape.W);
    const met = target && oursResult.deliveryPct === 100 && !oursResult.duplicates && ratio <= target.maxRatio;
    console.log(`p99 ours/bare = ${ratio}×; target: ${target ? `${target.goal} → ${met ? 'MET' : 'MISSED'}` : 'none'}`);
    return { shape, ours: oursResult, bare: bareResult, p99Ratio: ratio, target: target?.goal, targetMet: met };
  } finally {
    await cleanup();
  }
}

async function main(): Promise<void> {
  const T = envInt('T', 10);
  const shapes = process.argv.includes('--targets')
    ? TARGETS.map(({ S, W }) => ({ S, W, T }))
    : [{ S: envInt('S', 1000), W: envInt('W', 50), T }];
  const limit = Number(/Max open files\s+(\d+)/.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1] ?? Infinity);
  const needed = Math.max(...shapes.map((s) => s.S)) + 512;
  if (limit < needed) throw new Error(`open-files limit is ${limit}; run \`ulimit -n ${needed}\` first`);
  if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  process.on('SIGINT', () => void cleanup().finally(() => process.exit(130)));
  const results = [];
  for (const shape of shapes) results.push(await runShape(shape));
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `realtime-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2));
  console.log(`\nresults written to ${file}`);
}

if (process.argv[2] === '--bare-server') {
  bareServer(Number(process.argv[3]), Number(process.argv[4]));
} else {
  main().catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exitCode = 1;
  });
}
