import { spawn, type ChildProcess } from 'node:child_process';
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

/** Polls until a connection through the pooler answers. */
async function ready(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited with ${child.exitCode}`);
    const client = new Client({ connectionString: url });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 100));
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
  writeFileSync(
    config,
    [
      '[databases]',
      `* = host=${server.hostname} port=${server.port} user=${server.username} password=${server.password}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = any',
      `pool_mode = ${poolMode}`,
      'max_client_conn = 1000',
      'default_pool_size = 20',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
    ].join('\n'),
  );
  chmodSync(config, 0o644);
  const asRoot = process.getuid?.() === 0;
  const child = spawn(BINARY, [...(asRoot ? ['-u', 'postgres'] : []), config], { stdio: 'ignore' });
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  await ready(url.href, child);
  return {
    url: url.href,
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
