import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

/** A private Postgres cluster that a test may stop and restart under a running app. */
export interface Cluster {
  adminUrl: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-restart-pg-'));
  const port = await freePort();
  let child: ChildProcess | undefined;

  const start = () =>
    new Promise<void>((resolve, reject) => {
      const proc = spawn(process.execPath, [join(__dirname, 'pg-cluster.mjs'), dir, String(port)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      child = proc;
      proc.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
      proc.once('exit', (code) => reject(new Error(`cluster exited with ${code}`)));
    });
  const stop = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise((resolve) => {
      proc.once('exit', resolve);
      proc.kill('SIGTERM');
    });
  };

  await start();
  return {
    adminUrl: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    start,
    stop,
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function createDatabaseIn(cluster: Cluster, name: string): Promise<string> {
  const client = new Client({ connectionString: cluster.adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(cluster.adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}
