/** PgBouncer in transaction mode in front of a benchmark's Postgres, on a free loopback port. */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pgbouncerArgs, pgbouncerSettings, pooledUrl, poolerReady } from '../../test/support/pgbouncer';
import { freePort, type ProcessGroup } from './processes';

export const POOLER = { mode: 'transaction', defaultPoolSize: 20 } as const;

export interface Pooler {
  /** The database's URL with the pooler's host and port. */
  url: string;
  /** Its WARNING and ERROR log lines so far (a pooled run should have none). */
  problems(): string[];
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
    ...pgbouncerSettings(server, port, POOLER.mode, POOLER.defaultPoolSize),
    // it logs to stderr, which is kept: connection lines would only bury its warnings
    'log_connections = 0',
    'log_disconnections = 0',
  ];
  writeFileSync(config, settings.join('\n') + '\n', { mode: 0o644 });
  const proc = spawn('pgbouncer', pgbouncerArgs(config), {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  group.own('pgbouncer', proc);
  let log = '';
  proc.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
  let spawnError: Error | undefined;
  proc.once('error', (err) => (spawnError = err));
  const url = pooledUrl(directUrl, port);
  const gone = () =>
    spawnError
      ? `failed (${spawnError.message}; is it installed, and on PATH?)`
      : proc.exitCode !== null
        ? `exited: ${log.trim().split('\n').pop()}`
        : undefined;
  await poolerReady(url, gone);
  return { url, problems: () => log.split('\n').filter((line) => /\b(WARNING|ERROR|FATAL)\b/.test(line)) };
}
