import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig, SETTING_NAMES } from '../../src/config';

// Images cannot be built here, so these files are checked against the code instead.
const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

interface Service {
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const apps = Object.entries(compose.services).filter(([name]) => /^app\d+$/.test(name));
const nginx = read('deploy/nginx.conf');
const dockerfile = read('Dockerfile');

/** Compose's `${VAR:?message}` filled in as an operator's environment would. */
const substituted = (env: Record<string, string>) =>
  Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.replace(/^\$\{JWT_SECRET:\?.*\}$/, 'x'.repeat(32))]));

describe('docker-compose.yml, Dockerfile and deploy/nginx.conf agree with the code', () => {
  it('has two instances behind nginx', () => {
    expect(apps.map(([name]) => name)).toEqual(['app1', 'app2']);
    expect(compose.services.nginx.volumes).toContain('./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro');
  });

  it.each(apps)('%s sets only settings the config knows, and they load in production', (_name, service) => {
    const env = service.environment ?? {};
    expect(Object.keys(env).filter((k) => !SETTING_NAMES.includes(k))).toEqual([]);
    const config = loadConfig({ NODE_ENV: 'production', ...substituted(env) });
    expect(config.trustProxy).toBe(1);
    expect(config.databaseUrl).toMatch(/@postgres:5432\//);
  });

  it.each(apps)('%s listens where nginx, the image and its health check look', (name, service) => {
    const port = loadConfig(substituted(service.environment ?? {})).port;
    expect(nginx).toContain(`server ${name}:${port};`);
    expect(dockerfile).toContain(`EXPOSE ${port}`);
    expect(dockerfile).toMatch(/HEALTHCHECK[\s\S]*\/healthz/);
  });

  it('the image runs node itself as a non-root user, so SIGTERM reaches it', () => {
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^CMD \["node", /m);
  });
});
