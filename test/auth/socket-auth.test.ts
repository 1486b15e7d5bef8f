import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { connectWithToken, eventually, request, sleep, type ClientSocket } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';

let app: App;
let admin: Record<string, string>;
let a: string, b: string;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  app = await startApp(await createTestDatabase(), jwtConfig());
  admin = bearer(await token({ sub: 'root', scope: 'admin' }));
  a = (await api(app).post('/api/campaigns/').set(admin).send({ title: 'A' }).expect(201)).body.id;
  b = (await api(app).post('/api/campaigns/').set(admin).send({ title: 'B' }).expect(201)).body.id;
});
afterAll(async () => {
  for (const s of sockets) s.disconnect();
  await app.stop();
});

async function open(authToken?: string): Promise<ClientSocket> {
  const socket = await connectWithToken(app, authToken);
  sockets.push(socket);
  return socket;
}

const postChat = (campaign: string) =>
  api(app).post('/api/chats/').set(admin).send({ campaign, author: 'human', message: 'hi' }).expect(201);

describe('socket authentication', () => {
  it('a connection without a token is refused with a connect_error saying why', async () => {
    await expect(open()).rejects.toThrow('Authentication credentials were not provided.');
  });

  it('a bad or expired token is refused with a connect_error saying why', async () => {
    await expect(open('nope')).rejects.toThrow(/malformed/);
    await expect(open(await token({ ttl: '-1m' }))).rejects.toThrow(/expired/);
  });

  it('a connection whose token expires is told so and disconnected at expiry', async () => {
    const socket = await open(await token({ ttl: '3s' })); // 2–3 s: jose rounds iat down
    const told = new Promise((resolve) => socket.once('auth:expired', resolve));
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    await expect(told).resolves.toEqual({ message: 'The token has expired.' });
    await gone;
    expect(socket.connected).toBe(false);
  });

  it('a fresh token sent with auth:refresh before expiry keeps the connection', async () => {
    const socket = await open(await token({ ttl: '3s', campaigns: [a] }));
    expect(await request(socket, 'auth:refresh', { token: await token({ ttl: '1h', campaigns: [a] }) })).toEqual({
      ok: true,
    });
    expect(await request(socket, 'auth:refresh', { token: await token({ sub: 'mallory' }) })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await sleep(3500);
    expect(socket.connected).toBe(true);
    expect((await request(socket, 'subscribe', { campaignId: a })).ok).toBe(true);
  });
});

describe('socket authorization', () => {
  it('subscribing outside the token set gets an error and the room never leaks', async () => {
    const socket = await open(await token({ scope: 'read', campaigns: [a] }));
    const received: string[] = [];
    socket.on('chat:created', (e) => received.push(e.campaign));
    expect(await request(socket, 'subscribe', { campaignId: b })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect((await request(socket, 'subscribe', { campaignId: a })).ok).toBe(true);
    await postChat(b);
    await postChat(a);
    await eventually(() => received.length >= 1);
    await sleep(300);
    expect(received).toEqual([a]);
  });

  it('creating through the socket follows the REST rules', async () => {
    const reader = await open(await token({ scope: 'read', campaigns: [a] }));
    expect(await request(reader, 'chat:create', { campaign: a, author: 'human', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const writer = await open(await token({ scope: 'write', campaigns: [a] }));
    expect(await request(writer, 'chat:create', { campaign: b, author: 'human', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { campaign: [expect.stringContaining('does not exist')] } },
    });
    expect(await request(writer, 'chat:create', { campaign: a, author: 'human', message: 'x' })).toMatchObject({
      ok: true,
    });
  });

  it('after a refresh with fewer campaigns, rooms no longer allowed are left', async () => {
    const socket = await open(await token({ campaigns: [a, b] }));
    const received: string[] = [];
    socket.on('chat:created', (e) => received.push(e.campaign));
    await request(socket, 'subscribe', { campaignId: b });
    expect(await request(socket, 'auth:refresh', { token: await token({ campaigns: [a] }) })).toEqual({ ok: true });
    await postChat(b);
    await sleep(500);
    expect(received).toEqual([]);
  });
});
