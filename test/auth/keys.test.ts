import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import type { App } from '../../src/app';
import { loadConfig, ConfigError } from '../../src/config';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { bearer, jwtConfig, token } from '../support/tokens';

const sign = (key: KeyLike, alg: string, kid?: string, claims: Record<string, unknown> = {}) =>
  new SignJWT({ scope: 'read', campaigns: '*', ...claims })
    .setProtectedHeader({ alg, ...(kid && { kid }) })
    .setSubject('carol')
    .setExpirationTime('1h')
    .sign(key);

let url: string;
beforeAll(async () => {
  url = await createTestDatabase();
});

describe('a JWKS served by the test itself', () => {
  let jwksServer: Server;
  let keys: object[] = [];
  let fetches = 0;
  let app: App;

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    const { port } = jwksServer.address() as AddressInfo;
    app = await startApp(url, {
      auth: { jwksUrl: `http://127.0.0.1:${port}/jwks.json`, jwksCooldownMs: 0 },
      authOpenByDefault: false,
    });
  });
  afterAll(async () => {
    await app.stop();
    jwksServer.close();
  });

  it('verifies RS256 tokens, and refetches the set when a token names an unknown kid', async () => {
    const first = await generateKeyPair('RS256');
    keys = [{ ...(await exportJWK(first.publicKey)), kid: 'k1', alg: 'RS256' }];
    await api(app)
      .get('/api/campaigns/')
      .set(bearer(await sign(first.privateKey, 'RS256', 'k1')))
      .expect(200);
    await api(app)
      .get('/api/campaigns/')
      .set(bearer(await sign(first.privateKey, 'RS256', 'k1')))
      .expect(200);
    expect(fetches).toBe(1); // cached

    const rotated = await generateKeyPair('ES256');
    keys = [...keys, { ...(await exportJWK(rotated.publicKey)), kid: 'k2', alg: 'ES256' }];
    await api(app)
      .get('/api/campaigns/')
      .set(bearer(await sign(rotated.privateKey, 'ES256', 'k2')))
      .expect(200);
    expect(fetches).toBe(2);

    const stranger = await generateKeyPair('RS256');
    const res = await api(app)
      .get('/api/campaigns/')
      .set(bearer(await sign(stranger.privateKey, 'RS256', 'k9')))
      .expect(401);
    expect(res.body.detail).toMatch(/unknown key/);
  });
});

describe('a configured public key, issuer and audience', () => {
  let app: App;
  let pair: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    pair = await generateKeyPair('ES256');
    app = await startApp(url, {
      auth: { publicKey: await exportSPKI(pair.publicKey), issuer: 'https://issuer.test', audience: 'chat' },
      authOpenByDefault: false,
    });
  });
  afterAll(() => app.stop());

  it('accepts an ES256 token with the right issuer and audience, and refuses the wrong ones', async () => {
    const good = await sign(pair.privateKey, 'ES256', undefined, { iss: 'https://issuer.test', aud: 'chat' });
    await api(app).get('/api/campaigns/').set(bearer(good)).expect(200);
    const wrongIss = await sign(pair.privateKey, 'ES256', undefined, { iss: 'https://evil.test', aud: 'chat' });
    expect((await api(app).get('/api/campaigns/').set(bearer(wrongIss)).expect(401)).body.detail).toMatch(/iss/);
    const wrongAud = await sign(pair.privateKey, 'ES256', undefined, { iss: 'https://issuer.test', aud: 'other' });
    expect((await api(app).get('/api/campaigns/').set(bearer(wrongAud)).expect(401)).body.detail).toMatch(/aud/);
    // an HS256 token cannot pass for an asymmetric one
    await api(app)
      .get('/api/campaigns/')
      .set(bearer(await token({})))
      .expect(401);
  });
});

describe('modes', () => {
  it('production without token settings refuses to start, unless AUTH=none', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/NODE_ENV=production needs JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', AUTH: 'none' }).auth).toBeUndefined();
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).auth).toMatchObject({
      secret: 'x'.repeat(32),
    });
    expect(loadConfig({}).authOpenByDefault).toBe(true);
  });

  it('the server process itself exits with one clear line in production without token settings', async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, [require.resolve('tsx/cli'), 'src/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: url, JWT_SECRET: '' },
      timeout: 50_000,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(err).toMatchObject({ code: 2 });
    expect((err as { stderr: string }).stderr.trim()).toMatch(/^Invalid setting: NODE_ENV=production needs JWT_SECRET/);
  }, 60_000);

  it('a secret never appears in a configuration error', () => {
    const secret = 'short-secret';
    let message = '';
    try {
      loadConfig({ JWT_SECRET: secret });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/JWT_SECRET/);
    expect(message).not.toContain(secret);
  });

  it('an app with a secret refuses anonymous requests, as the rest of this suite relies on', async () => {
    const app = await startApp(url, jwtConfig());
    await api(app).get('/api/').expect(401);
    await app.stop();
  });
});
