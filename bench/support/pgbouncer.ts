/** PgBouncer in transaction mode in front of a benchmark's Postgres, on a free loopback port. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, sleep, type ProcessGroup } from './processes';

export const POOLER = { mode: 'transaction', defaultPoolSize: 20 } as const;

export interface Pooler {
  /** The database's URL with the pooler's host and port. */
  url: string;
  /** Its WARNING and ERROR log lines so far (a pooled run should have none). */
  problems(): string[];
}

/** Polls until a statement through the pooler answers. */
async function ready(url: string, gone: () => string | undefined): Promise<void> {
  for (const deadline = Date.now() + 10_000; ; await sleep(100)) {
    const why = gone();
    if (why) throw new Error(`pgbouncer ${why} before it accepted a connection`);
    const client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Starts PgBouncer (transaction mode, as a pooler without prepared statements is run in
 * production) in front of directUrl's server, as a child of group. It refuses to run as
 * root, so it drops to the postgres user there, who must read the config: the dir is 0755.
 */
export async function startPgBouncer(group: ProcessGroup, directUrl: string): Promise<Pooler> {
  const [dir, port] = [await group.tempDir('chat-bench-pooler-'), await freePort()];
  const server = new URL(directUrl);
  const config = join(dir, 'pgbouncer.ini');
  const settings = [
    '[databases]',
    `* = host=${server.hostname} port=${server.port} user=${server.username} password=${server.password}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    `pool_mode = ${POOLER.mode}`,
    `default_pool_size = ${POOLER.defaultPoolSize}`,
    'max_client_conn = 1000',
    // it logs to stderr, which is kept: connection lines would only bury its warnings
    'log_connections = 0',
    'log_disconnections = 0',
  ];
  writeFileSync(config, settings.join('\n') + '\n', { mode: 0o644 });
  const asRoot = process.getuid?.() === 0;
  const proc = spawn('pgbouncer', [...(asRoot ? ['-u', 'postgres'] : []), config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  group.own('pgbouncer', proc);
  let log = '';
  proc.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let spawnError: Error | undefined;
  proc.once('error', (err) => (spawnError = err));
  const url = new URL(directUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  const gone = () =>
    spawnError
      ? `failed (${spawnError.message}; is it installed, and on PATH?)`
      : proc.exitCode !== null
        ? `exited: ${log.trim().split('\n').pop()}`
        : undefined;
  await ready(url.href, gone);
  return { url: url.href, problems: () => log.split('\n').filter((line) => /\b(WARNING|ERROR|FATAL)\b/.test(line)) };
}
