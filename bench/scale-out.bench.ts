/**
 * Scale-out benchmark: many instances (Node processes) on one Postgres behind PgBouncer, with
 * webhooks on in every one of them.
 *
 *   npm run bench:scale-out        # N=20 S=1000 ROOMS=50 W=20 T=30 HOOK_MS=2000 WEBHOOK_CONCURRENCY=10 CLIENTS=2
 *   N=5 T=10 npm run bench:scale-out
 *   BASELINE=0 npm run bench:scale-out   # skip the one-instance run
 *
 * A throwaway embedded Postgres (max_connections 100), PgBouncer in transaction mode in front
 * of it (default_pool_size 20), and N fresh `node dist/main.js` (rebuilt first) with
 * DATABASE_URL through the pooler and LISTEN_DATABASE_URL direct. One endpoint, a receiver in
 * this process answering 200 after HOOK_MS, gets every chat:created. S sockets (in CLIENTS
 * forked processes) are dealt round-robin over the instances and ROOMS campaigns; a writer
 * here POSTs W chats/s for T s, each to the next instance and room. Then the same with one
 * instance, the baseline of the ratios.
 * Columns: delivered% / duplicates = socket deliveries (every subscriber of the room, exactly
 * once); p50/p99 = their latency (receipt - send, ms); hooks = chats delivered to the receiver
 * / chats written, hookDups = deliveries beyond one per chat; direct/pooled = the most TCP
 * connections one instance held to Postgres / to the pooler (sampled every 250 ms from the
 * kernel's socket table, by owning process), directNames = what those direct ones were; pgPooled = the pooler's server connections;
 * pgBackends = Postgres client backends in all (the most seen); rssMb = the instances' VmRSS
 * summed, at its peak; cpuS = the instances' CPU seconds over the writes, summed. Results: bench-results/scale-out-<timestamp>.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { Agent, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { pooledBackendPids } from '../test/support/pgbouncer';
import { post } from './support/bare-server';
import { percentile } from './support/http-clients';
import { startPgBouncer } from './support/pgbouncer';
import {
  attempt,
  cpuSeconds,
  freePort,
  processGroup,
  procField,
  readFile,
  sleep,
  UNTHROTTLED_ENV,
  type Instance,
} from './support/processes';
import { runSubscribers, SubscriberProcess, type RoomShare, type SubscriberReport } from './support/subscribers';
import { writeOnSchedule, type Send } from './support/writer';

const ROOT = resolve(__dirname, '..');
const log = (msg: string) => console.error(`[bench] ${msg}`);
const group = processGroup(log);
const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

const SHAPE = {
  N: knob('N', 20),
  S: knob('S', 1000),
  ROOMS: knob('ROOMS', 50),
  W: knob('W', 20),
  T: knob('T', 30),
  HOOK_MS: knob('HOOK_MS', 2000),
  WEBHOOK_CONCURRENCY: knob('WEBHOOK_CONCURRENCY', 10),
  CLIENTS: knob('CLIENTS', 2),
};
type Shape = typeof SHAPE;

interface Setup {
  direct: string;
  pooled: string;
  pgPort: number;
  poolerPort: number;
  receiver: Receiver;
}

/** The endpoint's receiver: counts deliveries by cursor, answers 200 after HOOK_MS. */
async function startReceiver(delayMs: number) {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const cursor = String(req.headers['webhook-cursor']);
    req.resume();
    req.on('end', () => {
      hits.set(cursor, (hits.get(cursor) ?? 0) + 1);
      setTimeout(() => res.writeHead(200).end('ok'), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hits,
    close: () => new Promise((r) => server.close(r)),
  };
}
type Receiver = Awaited<ReturnType<typeof startReceiver>>;

/** Established TCP connections of a process: local ports by remote port (read from /proc, no tools). */
function connectionsByPort(pid: number): Map<number, number[]> {
  const inodes = new Set<string>();
  for (const fd of attempt(() => readdirSync(`/proc/${pid}/fd`), [])) {
    // an fd closed meanwhile reads as no link
    const m = /^socket:\[(\d+)\]$/.exec(attempt(() => readlinkSync(`/proc/${pid}/fd/${fd}`), ''));
    if (m) inodes.add(m[1]);
  }
  const byPort = new Map<number, number[]>();
  for (const file of ['tcp', 'tcp6']) {
    for (const line of readFile(`/proc/${pid}/net/${file}`).split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '01' || !inodes.has(f[9])) continue;
      const [local, remote] = [f[1], f[2]].map((address) => parseInt(address.split(':')[1], 16));
      byPort.set(remote, [...(byPort.get(remote) ?? []), local]);
    }
  }
  return byPort;
}

async function startInstances(setup: Setup, n: number, shape: Shape): Promise<Instance[]> {
  const env = (port: number, migrate: boolean) => ({
    ...process.env,
    ...UNTHROTTLED_ENV,
    PORT: String(port),
    DATABASE_URL: setup.pooled,
    LISTEN_DATABASE_URL: setup.direct,
    DATABASE_POOL_MODE: 'transaction',
    MIGRATE_ON_START: String(migrate),
    WEBHOOKS: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    // the baseline's one instance gets the cluster's delivery capacity (up to the setting's cap)
    WEBHOOK_CONCURRENCY: String(Math.min(100, shape.WEBHOOK_CONCURRENCY * (n === 1 ? shape.N : 1))),
  });
  const one = async (i: number, migrate: boolean) => {
    const port = await freePort();
    const proc = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: env(port, migrate), stdio: 'inherit' });
    return group.start(`instance ${i + 1}`, port, proc, { readyMs: 180_000 });
  };
  // the first migrates; the others start four at a time (each start is a second of CPU)
  const instances = [await one(0, true)];
  for (let i = 1; i < n; i += 4) {
    instances.push(...(await Promise.all(Array.from({ length: Math.min(4, n - i) }, (_, j) => one(i + j, false)))));
  }
  return instances;
}

async function createRooms(url: string, count: number, hookUrl: string, first: boolean): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  try {
    if (first) {
      const res = await post(agent, `${url}/api/webhooks/`, { url: hookUrl, events: ['chat:created'] });
      if (res.status !== 201) throw new Error(`registering the endpoint: ${res.status} ${res.text}`);
    }
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const res = await post(agent, `${url}/api/campaigns/`, { title: `scale-out ${i}` });
      if (res.status !== 201) throw new Error(`creating a campaign: ${res.status} ${res.text}`);
      ids.push((JSON.parse(res.text) as { id: string }).id);
    }
    return ids;
  } finally {
    agent.destroy();
  }
}

/**
 * The most connections any instance held (and, for the direct ones, what they were), the
 * pooler's servers and all backends, the instances' summed RSS: every 250 ms.
 */
function sampleConnections(setup: Setup, instances: Instance[]) {
  const peak = { direct: 0, directNames: '', pooled: 0, pgPooled: 0, pgBackends: 0, rssMb: 0 };
  const probe = new Client({ connectionString: setup.direct, application_name: 'bench-probe' });
  probe.on('error', () => undefined);
  const cpu0 = instances.map(({ proc }) => cpuSeconds(proc.pid));
  let running = true;
  const done = (async () => {
    await probe.connect();
    while (running) {
      const { rows } = await probe.query<{ port: number; name: string }>(
        `SELECT client_port AS port, application_name AS name FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
      );
      const names = new Map(rows.map((r) => [r.port, r.name]));
      for (const { proc } of instances) {
        const ports = connectionsByPort(proc.pid ?? 0);
        const direct = ports.get(setup.pgPort) ?? [];
        if (direct.length > peak.direct) {
          peak.direct = direct.length;
          peak.directNames = direct.map((p) => names.get(p) ?? '?').join(' ');
        }
        peak.pooled = Math.max(peak.pooled, ports.get(setup.poolerPort)?.length ?? 0);
      }
      const rss = instances.reduce((sum, { proc }) => sum + procField(proc.pid ?? 0, 'VmRSS'), 0) / 1024;
      peak.rssMb = Math.max(peak.rssMb, Math.round(rss));
      peak.pgBackends = Math.max(peak.pgBackends, rows.length);
      peak.pgPooled = Math.max(peak.pgPooled, (await pooledBackendPids(setup.pooled)).size);
      await sleep(250);
    }
    await probe.end();
  })();
  return async () => {
    running = false;
    await done;
    const cpuS = round(instances.reduce((sum, { proc }, i) => sum + cpuSeconds(proc.pid) - cpu0[i], 0));
    return { ...peak, cpuS };
  };
}

/** Socket j goes to instance j % N and room j % ROOMS; each client process takes every CLIENTS-th socket. */
function deal(instances: Instance[], rooms: string[], shape: Shape) {
  const shares = Array.from({ length: shape.CLIENTS }, () => instances.map(() => new Map<string, number>()));
  const perRoom = new Map<string, number>();
  for (let j = 0; j < shape.S; j++) {
    const room = rooms[j % rooms.length];
    const share = shares[j % shape.CLIENTS][j % instances.length];
    share.set(room, (share.get(room) ?? 0) + 1);
    perRoom.set(room, (perRoom.get(room) ?? 0) + 1);
  }
  const toShares = (m: Map<string, number>): RoomShare[] =>
    [...m].map(([campaignId, count]) => ({ campaignId, count }));
  return { shares: shares.map((byInstance) => byInstance.map(toShares)), perRoom };
}

async function settle(clients: SubscriberProcess[], expected: number, receiver: Receiver, hooks: () => boolean) {
  const delivered = () => clients.reduce((sum, c) => sum + c.delivered, 0);
  const progress = () => delivered() + receiver.hits.size;
  for (let last = -1, idleSince = Date.now(); Date.now() - idleSince < 10_000;) {
    if (delivered() >= expected && hooks()) return;
    await sleep(200);
    if (progress() !== last) [last, idleSince] = [progress(), Date.now()];
  }
}

async function run(setup: Setup, n: number, shape: Shape, first: boolean) {
  const instances = await startInstances(setup, n, shape);
  log(`${n} instance(s) ready`);
  const rooms = await createRooms(instances[0].url, shape.ROOMS, setup.receiver.url, first);
  const { shares, perRoom } = deal(instances, rooms, shape);
  const clients = Array.from({ length: shape.CLIENTS }, () => new SubscriberProcess(__filename, '--subscribers'));
  try {
    for (const [k, client] of clients.entries()) {
      for (const [i, instance] of instances.entries()) await client.connect(instance.url, shares[k][i]);
    }
    log(`${shape.S} sockets subscribed over ${n} instance(s); writing ${shape.W}/s for ${shape.T} s`);
    const cursorsBefore = new Set(setup.receiver.hits.keys());
    const stopSampling = sampleConnections(setup, instances);
    const sends: Send[] = Array.from({ length: shape.W * shape.T }, (_, i) => ({
      due: (i * 1000) / shape.W,
      campaign: rooms[i % rooms.length],
      kind: 'b',
      subscribers: perRoom.get(rooms[i % rooms.length]) ?? 0,
      url: instances[i % n].url,
    }));
    const writes = await writeOnSchedule(instances[0].url, sends);
    const newHooks = () => [...setup.receiver.hits].filter(([cursor]) => !cursorsBefore.has(cursor));
    await settle(clients, writes.expected, setup.receiver, () => newHooks().length >= writes.ok);
    const peak = await stopSampling();
    const reports: SubscriberReport[] = await Promise.all(clients.map((c) => c.report()));
    const sum = (key: 'delivered' | 'duplicates' | 'misrouted' | 'disconnects') =>
      reports.reduce((total, r) => total + r[key], 0);
    const latencies = reports.flatMap((r) => [...r.busyLatencies]);
    const hooks = newHooks();
    return {
      instances: n,
      sockets: shape.S,
      writesOk: writes.ok,
      failed: writes.failed,
      'delivered%': writes.expected ? Math.floor((sum('delivered') / writes.expected) * 10_000) / 100 : 0,
      duplicates: sum('duplicates'),
      misrouted: sum('misrouted'),
      disconnects: sum('disconnects'),
      p50: round(percentile(latencies, 0.5)),
      p99: round(percentile(latencies, 0.99)),
      hooks: `${hooks.length}/${writes.ok}`,
      hookDups: hooks.reduce((d, [, count]) => d + count - 1, 0),
      ...peak,
      rssPerInstanceMb: round(peak.rssMb / n),
      ...(writes.firstFailure && { firstFailure: writes.firstFailure }),
    };
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    for (const instance of instances) await group.end(instance);
  }
}

async function main(): Promise<void> {
  if (spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) throw new Error('build failed');
  process.on('SIGINT', () => void group.stop().finally(() => process.exit(130)));
  const loadAvgAtStart = loadavg().map((l) => round(l, 2));
  console.log(`${JSON.stringify(SHAPE)}; load average ${loadAvgAtStart.join(' ')} on ${cpus().length} CPUs`);
  const direct = await group.startPostgres('chat_bench');
  const pooler = await startPgBouncer(group, direct);
  const receiver = await startReceiver(SHAPE.HOOK_MS);
  const setup = {
    direct,
    pooled: pooler.url,
    pgPort: Number(new URL(direct).port),
    poolerPort: Number(new URL(pooler.url).port),
    receiver,
  };
  try {
    const many = await run(setup, SHAPE.N, SHAPE, true);
    const one = process.env.BASELINE === '0' ? undefined : await run(setup, 1, SHAPE, false);
    const rows: Record<string, typeof many> = { [`ours ×${SHAPE.N}`]: many, ...(one && { 'ours ×1': one }) };
    const ratio = one && { p50: round(many.p50 / one.p50, 2), p99: round(many.p99 / one.p99, 2) };
    const columns = Object.keys(many).filter((k) => k !== 'firstFailure');
    const split = columns.indexOf('hooks');
    console.table(rows, columns.slice(0, split));
    console.table(rows, columns.slice(split));
    if (ratio) console.log(`×${SHAPE.N} / ×1: p50 ${ratio.p50}, p99 ${ratio.p99}`);
    const exact = Object.values(rows).every(
      (r) => r['delivered%'] === 100 && r.duplicates === 0 && r.misrouted === 0 && r.hookDups === 0,
    );
    const hooksAll = Object.values(rows).every((r) => r.hooks.split('/')[0] === r.hooks.split('/')[1]);
    console.log(
      `${exact && hooksAll ? '100% delivered exactly once (sockets and webhooks)' : 'LOST OR DUPLICATED DELIVERIES'}; ` +
        `direct connections per instance ≤ 2: ${many.direct <= 2 ? 'yes' : 'NO'}; pooler warnings: ${pooler.problems().length}`,
    );
    mkdirSync(join(ROOT, 'bench-results'), { recursive: true });
    const file = join(ROOT, 'bench-results', `scale-out-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const machine = { node: process.version, cpus: cpus().length, loadAvgAtStart };
    writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), machine, shape: SHAPE, rows, ratio }, null, 2));
    console.log(`\nresults written to ${file}`);
  } finally {
    await receiver.close();
  }
}

if (process.argv[2] === '--subscribers') {
  runSubscribers();
} else {
  main()
    .catch((err) => {
      console.error(err);
      process.exitCode = 1;
    })
    .finally(() => group.stop());
}
