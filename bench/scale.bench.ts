/**
 * Scale benchmark: one instance holding many sockets in many rooms, one of them busy.
 *
 *   npm run bench:scale                               # S=5000 ROOMS=500 BUSY=100 W=200 T=20 CLIENTS=2
 *   S=1000 ROOMS=100 W=50 T=5 npm run bench:scale     # any shape (env knobs)
 *   DATABASE_URL=postgres://… npm run bench:scale     # the instance on that database
 *   NGINX=1 npm run bench:scale                       # also ours behind deploy/nginx.conf, beside direct
 *
 * One fresh `node dist/main.js` (rebuilt first; Postgres embedded in a temp dir unless
 * DATABASE_URL) holds S quiet subscribers spread evenly over ROOMS campaigns plus BUSY
 * subscribers of one busy campaign (socket.io-client, websocket). A writer in this process POSTs
 * W chats/s to the busy room for T s and, on the same schedule, one chat to each quiet room
 * spread over the T s. Then the same shape against one bare Socket.IO server (no database).
 * The sockets live in CLIENTS child processes (forked), so that receiving ~20,000 events/s is
 * not one process's job. In the recorded runs (2 cores shared with other work) the subscriber
 * processes were not the bottleneck (under 5 CPU s each over the run): the server was. It spent
 * most of the run waiting for a CPU (waitCpuS), and ours fell behind W=200 (writesPerS), so
 * its latencies are those of the queue in front of the REST write path (postP99 ≈ p99).
 * Columns: p50/p99 = delivery latency (receipt - send) of every delivery, quietP99 = that of
 * quiet rooms only; mbPer1kSockets = (peak VmRSS of the server from connecting until 2 s after the
 * last subscribe ack - VmRSS before any socket) / (sockets / 1000); cpuPer10k = server CPU s
 * (user + system, from the first write until deliveries settle) per 10,000 deliveries; pgCpuS =
 * Postgres over the same span (ours, embedded only); waitCpuS = how long the server was runnable
 * but waiting for a CPU held by other processes; clientCpuS = each subscriber process.
 * Rate limits, auth and the in-flight cap are off in the server (one loopback IP sends all).
 * Every socket is an open file here and in the server: the soft open-files limit must be at
 * least S + BUSY + 1024 (checked). Results: bench-results/scale-<timestamp>.json.
 */
import { fork, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { startNginx } from '../test/support/nginx';
import { bareServer, post } from './support/bare-server';
import { cpuBusy, cpuSeconds, freePort, postgresCpu, processGroup, procField, readFile } from './support/processes';
import { runQueueWaitS, sleep, UNTHROTTLED_ENV, type Instance } from './support/processes';
import { runSubscribers, SubscriberProcess, type RoomShare, type SubscriberReport } from './support/subscribers';
import { writeOnSchedule, type Send } from './support/writer';

type Shape = { S: number; ROOMS: number; BUSY: number; W: number; T: number; CLIENTS: number };
type Target = { instance: Instance; pgDir?: string; rooms: string[]; busy: string };

const ROOT = resolve(__dirname, '..');
const log = (msg: string) => console.error(`[bench] ${msg}`);
const group = processGroup(log);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const rssMb = (pid?: number) => procField(pid ?? 0, 'VmRSS') / 1024;

const percentile = (values: Float64Array, q: number) => {
  const sorted = values.slice().sort();
  return sorted.length ? round(sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]) : NaN;
};

async function startOurs(shape: Shape): Promise<Target> {
  const port = await freePort();
  const pgDir = process.env.DATABASE_URL ? undefined : await group.tempDir('chat-bench-pg-');
  const owner = pgDir ? { EMBEDDED_PG_DIR: pgDir, EMBEDDED_PG_PORT: String(await freePort()) } : {};
  const env = { ...process.env, ...UNTHROTTLED_ENV, ...owner, PORT: String(port) };
  const proc = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env, stdio: 'inherit' });
  const instance = await group.start('ours', port, proc, { readyMs: 120_000 });
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  const create = async (i: number) => {
    const res = await post(agent, `${instance.url}/api/campaigns/`, { title: `scale bench ${i}` });
    if (res.status !== 201) throw new Error(`creating a campaign: ${res.status} ${res.text}`);
    return (JSON.parse(res.text) as { id: string }).id;
  };
  const ids: string[] = [];
  for (let i = 0; i <= shape.ROOMS; i += 16) {
    const batch = Array.from({ length: Math.min(16, shape.ROOMS + 1 - i) }, (_, j) => create(i + j));
    ids.push(...(await Promise.all(batch)));
  }
  agent.destroy();
  return { instance, pgDir, rooms: ids.slice(1), busy: ids[0] };
}

async function startBare(shape: Shape): Promise<Target> {
  const port = await freePort();
  const instance = await group.start('bare', port, fork(__filename, ['--bare-server', String(port)]));
  return { instance, rooms: Array.from({ length: shape.ROOMS }, () => randomUUID()), busy: randomUUID() };
}

/** Subscribers of quiet room r: S spread as evenly as it divides. */
const quietSize = ({ S, ROOMS }: Shape, r: number) => Math.floor(S / ROOMS) + (r < S % ROOMS ? 1 : 0);

/** Each room's sockets dealt round-robin to the subscriber processes. */
function deal(target: Target, shape: Shape): RoomShare[][] {
  const { BUSY, CLIENTS } = shape;
  const rooms = [
    ...target.rooms.map((campaignId, r) => ({ campaignId, count: quietSize(shape, r) })),
    { campaignId: target.busy, count: BUSY },
  ];
  return Array.from({ length: CLIENTS }, (_, k) =>
    rooms.map(({ campaignId, count }) => ({ campaignId, count: Math.ceil((count - k) / CLIENTS) })),
  );
}

/** Busy writes every 1000/W ms, and one write per quiet room spread evenly over the T s. */
function schedule(target: Target, shape: Shape): Send[] {
  const { ROOMS, BUSY, W, T } = shape;
  const busy = Array.from({ length: W * T }, (_, i) => ({ due: (i * 1000) / W, campaign: target.busy, kind: 'b' }));
  const quiet = target.rooms.map((campaign, r) => ({ due: ((r + 0.5) * T * 1000) / ROOMS, campaign, kind: 'q' }));
  const subscribers = [...busy.map(() => BUSY), ...quiet.map((_, r) => quietSize(shape, r))];
  const sends = [...busy, ...quiet].map((s, i) => ({ ...s, subscribers: subscribers[i] }) as Send);
  return sends.sort((a, b) => a.due - b.due);
}

/** Until every expected delivery arrived, or nothing more came for 5 s. */
async function settle(clients: SubscriberProcess[], expected: number): Promise<void> {
  const delivered = () => clients.reduce((sum, c) => sum + c.delivered, 0);
  for (let last = 0, idleSince = Date.now(); delivered() < expected && Date.now() - idleSince < 5_000;) {
    await sleep(200);
    if (delivered() !== last) [last, idleSince] = [delivered(), Date.now()];
  }
}

/** Connects every socket while sampling the server's VmRSS; returns the memory figures. */
async function connectAll(target: Target, shape: Shape, clients: SubscriberProcess[]) {
  const pid = target.instance.proc.pid;
  await Promise.all(clients.map((c) => c.started()));
  const rssBeforeMb = rssMb(pid);
  let peak = rssBeforeMb;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  const t0 = performance.now();
  const shares = deal(target, shape);
  await Promise.all(clients.map((c, k) => c.connect(target.instance.url, shares[k])));
  const connectS = round((performance.now() - t0) / 1000);
  await sleep(2000);
  clearInterval(timer);
  const sockets = shape.S + shape.BUSY;
  const mbPer1kSockets = round((peak - rssBeforeMb) / (sockets / 1000));
  return { sockets, connectS, rssBeforeMb: round(rssBeforeMb), rssConnectedMb: round(peak), mbPer1kSockets };
}

function summarise(reports: SubscriberReport[], writes: Awaited<ReturnType<typeof writeOnSchedule>>) {
  const sum = (key: 'delivered' | 'duplicates' | 'misrouted' | 'disconnects') =>
    reports.reduce((n, r) => n + r[key], 0);
  const all = Float64Array.from(reports.flatMap((r) => [...r.busyLatencies, ...r.quietLatencies]));
  const quiet = Float64Array.from(reports.flatMap((r) => [...r.quietLatencies]));
  const delivered = sum('delivered');
  return {
    sentOk: writes.ok,
    failed: writes.failed,
    delivered,
    expected: writes.expected,
    'delivered%': writes.expected ? Math.floor((delivered / writes.expected) * 10_000) / 100 : 0,
    duplicates: sum('duplicates'),
    misrouted: sum('misrouted'),
    disconnects: sum('disconnects'),
    p50: percentile(all, 0.5),
    p99: percentile(all, 0.99),
    quietP99: percentile(quiet, 0.99),
    max: percentile(all, 1),
    postP99: percentile(Float64Array.from(writes.postMs), 0.99),
    writesPerS: round(writes.ok / writes.spanS),
    sendLag: Math.round(writes.maxLag),
  };
}

async function measure(target: Target, shape: Shape) {
  const clients = Array.from({ length: shape.CLIENTS }, () => new SubscriberProcess(__filename, '--subscribers'));
  try {
    const memory = await connectAll(target, shape, clients);
    const pid = target.instance.proc.pid;
    const pids = [pid, ...clients.map((c) => c.pid)];
    const [cpu0, pg0, writer0] = [pids.map(cpuSeconds), postgresCpu(target.pgDir), process.cpuUsage()];
    const wait0 = runQueueWaitS(pid);
    log(
      `${target.instance.name}: ${memory.sockets} sockets subscribed in ${memory.connectS} s; writing for ${shape.T} s`,
    );
    const writes = await writeOnSchedule(target.instance.url, schedule(target, shape));
    await settle(clients, writes.expected);
    const [serverCpu, ...clientCpu] = pids.map((p, i) => cpuSeconds(p) - cpu0[i]);
    const waitCpuS = round(runQueueWaitS(pid) - wait0);
    const { user, system } = process.cpuUsage(writer0);
    const row = summarise(await Promise.all(clients.map((c) => c.report())), writes);
    const cpu = {
      cpuS: round(serverCpu),
      cpuPer10k: round(serverCpu / (row.delivered / 10_000), 3),
      waitCpuS,
      pgCpuS: round(postgresCpu(target.pgDir) - pg0),
      clientCpuS: clientCpu.map((s) => s.toFixed(1)).join('/'),
      writerCpuS: round((user + system) / 1e6),
    };
    const peakRssMb = round(procField(pid ?? 0, 'VmHWM') / 1024);
    return { ...row, ...memory, peakRssMb, ...cpu, ...(writes.firstFailure && { firstFailure: writes.firstFailure }) };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
}

function report(ours: Awaited<ReturnType<typeof measure>>, bare: Awaited<ReturnType<typeof measure>>) {
  const compared = ['p50', 'p99', 'quietP99', 'connectS', 'mbPer1kSockets', 'peakRssMb', 'cpuPer10k'] as const;
  const ratio = Object.fromEntries(compared.map((k) => [k, round(ours[k] / bare[k], 2)]));
  const columns = Object.keys(ours).filter((k) => k !== 'firstFailure');
  const split = columns.indexOf('sockets'); // delivery, then what it cost
  console.table({ ours, bare, 'ours/bare': ratio }, columns.slice(0, split));
  console.table({ ours, bare, 'ours/bare': ratio }, columns.slice(split));
  if (ours.firstFailure) console.log(`first failed write (ours): ${ours.firstFailure}`);
  const ok = ours['delivered%'] === 100 && ours.duplicates === 0 && ours.misrouted === 0;
  console.log(`ours: ${ok ? '100% delivered, no duplicates' : 'LOST, DUPLICATED OR MISROUTED DELIVERIES'}`);
  return ratio;
}

/** The same instance and shape again, every write and socket through nginx with the shipped configuration. */
async function measureViaNginx(target: Target, shape: Shape) {
  const sockets = shape.S + shape.BUSY;
  const nginx = await startNginx([new URL(target.instance.url).host], { workerConnections: 2 * sockets + 1024 });
  try {
    log(`through nginx at ${nginx.url}`);
    return await measure({ ...target, instance: { ...target.instance, url: nginx.url } }, shape);
  } finally {
    await nginx.stop();
  }
}

function reportNginx(direct: Awaited<ReturnType<typeof measure>>, nginx: Awaited<ReturnType<typeof measure>>) {
  const compared = ['delivered%', 'p50', 'p99', 'quietP99', 'postP99', 'cpuPer10k'] as const;
  const ratio = Object.fromEntries(compared.map((k) => [k, round(nginx[k] / direct[k], 2)]));
  console.log('\nours direct vs through nginx (same instance, same shape)');
  console.table({ direct, nginx, 'nginx/direct': ratio }, [...compared]);
}

function readShape(): Shape {
  const knob = (name: keyof Shape, fallback: number) => Number(process.env[name] ?? fallback);
  const shape = {
    ...{ S: knob('S', 5000), ROOMS: knob('ROOMS', 500), BUSY: knob('BUSY', 100) },
    ...{ W: knob('W', 200), T: knob('T', 20), CLIENTS: knob('CLIENTS', 2) },
  };
  const limit = Number(/Max open files\s+(\d+)/.exec(readFile('/proc/self/limits'))?.[1] ?? Infinity);
  const needed = shape.S + shape.BUSY + 1024;
  if (limit < needed) {
    throw new Error(
      `the soft open-files limit is ${limit}, below S + BUSY + 1024 = ${needed}: run \`ulimit -n ${needed}\` in ` +
        'this shell first (above the hard limit, raise it as root, in limits.conf or the container runtime)',
    );
  }
  return shape;
}

async function main(): Promise<void> {
  const shape = readShape();
  if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  process.on('SIGINT', () => void group.stop().finally(() => process.exit(130)));
  const loadAvgAtStart = loadavg().map((l) => round(l, 2));
  const cpuBusyBefore = await cpuBusy('before start', log);
  console.log(`${JSON.stringify(shape)}; load average ${loadAvgAtStart.join(' ')} on ${cpus().length} CPUs`);
  const target = await startOurs(shape);
  const ours = await measure(target, shape);
  const viaNginx = process.env.NGINX === '1' ? await measureViaNginx(target, shape) : undefined;
  await group.stop();
  const bare = await measure(await startBare(shape), shape);
  await group.stop();
  const ratio = report(ours, bare);
  if (viaNginx) reportNginx(ours, viaNginx);
  mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
  const file = join(ROOT, 'bench-results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { node: process.version, cpus: cpus().length, loadAvgAtStart, cpuBusyBefore };
  writeFileSync(
    file,
    JSON.stringify({ at: new Date().toISOString(), machine, shape, ours, bare, ratio, viaNginx }, null, 2),
  );
  console.log(`\nresults written to ${file}`);
}

if (process.argv[2] === '--bare-server') {
  bareServer(Number(process.argv[3]));
} else if (process.argv[2] === '--subscribers') {
  runSubscribers();
} else {
  main().catch(async (err) => {
    console.error(err);
    await group.stop();
    process.exitCode = 1;
  });
}
