import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import { eventually } from './sockets';

const BINARY = '/usr/sbin/nginx';
const SHIPPED = join(__dirname, '..', '..', 'deploy', 'nginx.conf');

export interface Nginx {
  url: string;
  stop(): Promise<void>;
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
    s.on('error', () => resolve(false));
  });

/**
 * Debian's nginx running the shipped deploy/nginx.conf, with only its upstream servers and
 * listen port replaced by the test's instances and a free loopback port.
 */
export async function startNginx(upstreams: string[], { workerConnections = 1024 } = {}): Promise<Nginx> {
  if (!existsSync(BINARY))
    throw new Error('nginx is not installed: npm test installs it as root (apt-get install -y nginx)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'chat-nginx-'));
  chmodSync(dir, 0o777);
  for (const sub of ['body', 'proxy']) mkdirSync(join(dir, sub), { mode: 0o777 });
  const site = readFileSync(SHIPPED, 'utf8')
    .replace(/^(\s*)server app\d+:3000;\n/gm, '')
    .replace(/(\s*)ip_hash;/, (m, indent: string) => `${m}${upstreams.map((u) => `${indent}server ${u};`).join('')}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  writeFileSync(join(dir, 'site.conf'), site);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile ${workerConnections * 2};
events { worker_connections ${workerConnections}; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  include ${dir}/site.conf;
}
`,
  );
  const child = spawn(BINARY, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
  await eventually(async () => child.exitCode !== null || (await listening(port)), 10_000, 'nginx to listen', 50);
  if (child.exitCode !== null)
    throw new Error(`nginx exited with ${child.exitCode}: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        await new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGQUIT');
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
