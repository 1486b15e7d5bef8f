/** Child processes of a benchmark: started, awaited ready, sampled, and always stopped. */
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Instance = { name: string; url: string; proc: ChildProcess };

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** fn(), or the fallback if it throws (a file or process that is gone). */
function attempt<T>(fn: () => T, fallback: T): T {
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

/** The children and temp dirs a run starts; stop() ends them all, whatever happened meanwhile. */
export function processGroup() {
  const children: Instance[] = [];
  const dirs: string[] = [];
  return {
    async tempDir(prefix: string): Promise<string> {
      dirs.push(await mkdtemp(join(tmpdir(), prefix)));
      return dirs[dirs.length - 1];
    },

    /** Registers the child, then waits for GET /readyz to answer 200. */
    async start(name: string, port: number, proc: ChildProcess): Promise<Instance> {
      const instance = { name, url: `http://127.0.0.1:${port}`, proc };
      children.push(instance);
      proc.once(
        'exit',
        (code, sig) => void (children.includes(instance) && console.error(`${name} exited: ${code ?? sig}`)),
      );
      for (const deadline = Date.now() + 90_000; Date.now() < deadline; await sleep(200)) {
        if (proc.exitCode !== null) throw new Error(`${name} exited with code ${proc.exitCode}`);
        if ((await fetch(`${instance.url}/readyz`).catch(() => undefined))?.status === 200) return instance;
      }
      throw new Error(`${name} not ready after 90 s`);
    },

    /** SIGTERM in reverse start order (an instance owning an embedded Postgres started first). */
    async stop(): Promise<void> {
      for (const { proc } of children.splice(0).reverse()) {
        if (proc.exitCode !== null || proc.signalCode !== null) continue;
        const exited = new Promise((r) => proc.once('exit', r));
        proc.kill('SIGTERM');
        if ((await Promise.race([exited, sleep(20_000).then(() => 'timeout')])) === 'timeout') proc.kill('SIGKILL');
      }
      for (const dir of dirs.splice(0)) {
        // a crashed (or killed) owner leaves its Postgres running: stop it (SIGINT = fast shutdown)
        const postmaster = Number(readFile(join(dir, 'postmaster.pid')).split('\n')[0]);
        for (let i = 0; postmaster && signal(postmaster, i ? 0 : 'SIGINT') && i < 100; i++) await sleep(200);
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

/** Peak VmRSS (MB, every 100 ms) and CPU seconds of each instance, and of this process, until the call. */
export function sampleProcesses(instances: Instance[]): () => { rssMb: string; cpuS: string } {
  // a process that died meanwhile reads as empty (NaN): it stops counting, and its exit is logged
  const proc = (pid: number | undefined, file: string) => readFile(`/proc/${pid}/${file}`);
  const ticks = (pid?: number) => {
    const [utime, stime] = (proc(pid, 'stat').split(') ')[1] ?? '').split(' ').slice(11, 13);
    return (Number(utime) + Number(stime)) / 100; // USER_HZ
  };
  const [cpu0, bench0, peak] = [instances.map((i) => ticks(i.proc.pid)), process.cpuUsage(), instances.map(() => 0)];
  const timer = setInterval(() => {
    instances.forEach(({ proc: { pid } }, i) => {
      const kb = /VmRSS:\s+(\d+)/.exec(proc(pid, 'status'))?.[1];
      peak[i] = Math.max(peak[i], Math.round(Number(kb) / 1024));
    });
  }, 100);
  return () => {
    clearInterval(timer);
    const { user, system } = process.cpuUsage(bench0);
    const cpu = [...instances.map((i, n) => ticks(i.proc.pid) - cpu0[n]), (user + system) / 1e6];
    return { rssMb: peak.join('/'), cpuS: cpu.map((s) => s.toFixed(1)).join('/') };
  };
}
