import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync, existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { freePort } from '../support/ports';
import { eventually } from '../support/sockets';

describe('graceful stop', () => {
  it('finishes a request in flight, then refuses new connections', async () => {
    const app = await startApp(await createTestDatabase(), { shutdownTimeoutMs: 10_000 });
    const accepted = once(app.httpServer, 'request');
    const body = JSON.stringify({ title: 'sent slowly' });
    const base = app.url;
    const { port } = new URL(base);
    const response = new Promise<{ status?: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/api/campaigns/',
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode, body: text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5)); // half a request is on the wire when the stop begins
      setTimeout(() => req.end(body.slice(5)), 300);
    });
    await accepted;
    const stopped = app.stop();
    const res = await response;
    await stopped;
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body).title).toBe('sent slowly');
    await expect(fetch(`${base}/api/`)).rejects.toThrow();
    await app.stop(); // a second stop is harmless
  });
});

describe('the server process', () => {
  it('starts on an embedded Postgres kept in a folder, and exits 0 on SIGTERM after stopping it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-start-'));
    chmodSync(dir, 0o755); // as root, Postgres runs as its own user, which must reach the folder
    const [port, pgPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_DIR: join(dir, 'pg'),
      EMBEDDED_PG_PORT: String(pgPort),
      LOG_LEVEL: 'info',
    };
    delete env.DATABASE_URL;
    // the loader inside the one process: the tsx command relays SIGTERM to a child of its own,
    // and SIGKILLs it (exit 143) when the child is slow to confirm, as on a loaded machine
    const loader = pathToFileURL(require.resolve('tsx')).href;
    const child = spawn(process.execPath, ['--import', loader, 'src/main.ts'], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    try {
      await eventually(() => out.includes('listening on') || child.exitCode !== null, 60_000, 'the server', 100);
      if (child.exitCode !== null) throw new Error(`server did not start:\n${out}`);
      expect(out).toContain(`http://localhost:${port}/api/`);
      expect(out).toMatch(/API is OPEN/); // development mode says so
      const created = await fetch(`http://127.0.0.1:${port}/api/campaigns/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'persisted' }),
      });
      expect(created.status).toBe(201);
      expect(existsSync(join(dir, 'pg', 'PG_VERSION'))).toBe(true);
      const code = await new Promise<number | null>((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
      });
      expect(code).toBe(0);
      expect(existsSync(join(dir, 'pg', 'postmaster.pid'))).toBe(false); // the cluster was stopped
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
