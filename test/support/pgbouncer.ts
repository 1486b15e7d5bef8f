import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from './ports';

const BINARY = '/usr/sbin/pgbouncer';

export interface Bouncer {
  /** `databaseUrl` with the host and port of the pooler. */
  url: string;
  stop(): Promise<void>;
}

/** The settings every pooler here shares (any user, loopback only); callers add their logging. */
export function pgbouncerSettings(server: URL, port: number, poolMode: string, defaultPoolSize: number): string[] {
  return [
    '[databases]',
    `* = host=${server.hostname} port=${server.port} user=${server.username} password=${server.password}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    `pool_mode = ${poolMode}`,
    `default_pool_size = ${defaultPoolSize}`,
    'max_client_conn = 1000',
    // SHOW SERVERS on its console tells its server connections from the direct ones
    `stats_users = ${server.username}`,
  ];
}

/** The Postgres backends (pids) the pooler holds now, to `database` or to any. */
export async function pooledBackendPids(url: string, database?: string): Promise<Set<number>> {
  const console = new URL(url);
  console.pathname = '/pgbouncer';
  const client = new Client({ connectionString: console.href });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const { rows } = await client.query<{ database: string; remote_pid: string }>('SHOW SERVERS');
    return new Set(rows.filter((r) => !database || r.database === database).map((r) => Number(r.remote_pid)));
  } finally {
    await client.end();
  }
}

/** Its arguments: it refuses to run as root, so there it drops to the postgres user. */
export const pgbouncerArgs = (config: string): string[] => [
  ...(process.getuid?.() === 0 ? ['-u', 'postgres'] : []),
  config,
];

/** `databaseUrl` with the pooler's host and port. */
export function pooledUrl(databaseUrl: string, port: number): string {
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return url.href;
}

/** Polls until a statement through the pooler answers; `gone` says why it never will. */
export async function poolerReady(url: string, gone: () => string | undefined): Promise<void> {
  for (const deadline = Date.now() + 10_000; ; await new Promise((r) => setTimeout(r, 100))) {
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
 * Debian's PgBouncer (1.18: no prepared statements in transaction mode) in front of
 * `databaseUrl`'s server, on a free loopback port. It refuses to run as root, so it
 * drops to the postgres user there.
 */
export async function startPgBouncer(databaseUrl: string, poolMode = 'transaction'): Promise<Bouncer> {
  if (!existsSync(BINARY)) {
    throw new Error('pgbouncer is not installed: npm test installs it as root (apt-get install -y pgbouncer)');
  }
  const server = new URL(databaseUrl);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chat-pgbouncer-'));
  chmodSync(dir, 0o777);
  const config = join(dir, 'pgbouncer.ini');
  const settings = [...pgbouncerSettings(server, port, poolMode, 20), `logfile = ${join(dir, 'pgbouncer.log')}`];
  writeFileSync(config, settings.join('\n'));
  chmodSync(config, 0o644);
  const child = spawn(BINARY, pgbouncerArgs(config), { stdio: 'ignore' });
  const url = pooledUrl(databaseUrl, port);
  await poolerReady(url, () => (child.exitCode !== null ? `exited with ${child.exitCode}` : undefined));
  return {
    url,
    async stop() {
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
