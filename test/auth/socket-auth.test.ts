import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { closeSockets, eventually, open, request, type TestSocket } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';

let app: App;
let admin: Record<string, string>;
let a: string, b: string;

beforeAll(async () => {
  app = await startApp(await createTestDatabase(), jwtConfig());
  admin = bearer(await token({ sub: 'root', scope: 'admin' }));
  a = (await api(app).post('/api/campaigns/').set(admin).send({ title: 'A' }).expect(201)).body.id;
  b = (await api(app).post('/api/campaigns/').set(admin).send({ title: 'B' }).expect(201)).body.id;
});
afterEach(closeSockets);
afterAll(() => app.stop());

const campaigns = (s: TestSocket) => s.received.map((r) => r.event.campaign);

const postChat = (campaign: string) =>
  api(app).post('/api/chats/').set(admin).send({ campaign, author: 'human', message: 'hi' }).expect(201);

describe('socket authentication', () => {
  it('a connection without a token is refused with a connect_error saying why', async () => {
    await expect(open(app)).rejects.toThrow('Authentication credentials were not provided.');
  });

  it('a bad or expired token is refused with a connect_error saying why', async () => {
    await expect(open(app, { token: 'nope' })).rejects.toThrow(/malformed/);
    await expect(open(app, { token: await token({ ttl: '-1m' }) })).rejects.toThrow(/expired/);
  });

  it('a connection whose token expires is told so and disconnected at expiry', async () => {
    const { socket } = await open(app, { token: await token({ ttl: '3s' }) }); // 2–3 s: jose rounds iat down
    const told = new Promise((resolve) => socket.once('auth:expired', resolve));
    const gone = new Promise((resolve) => socket.once('disconnect', resolve));
    await expect(told).resolves.toEqual({ message: 'The token has expired.' });
    await gone;
    expect(socket.connected).toBe(false);
  });

  it('a fresh token sent with auth:refresh before expiry keeps the connection', async () => {
    const { socket } = await open(app, { token: await token({ ttl: '3s', campaigns: [a] }) });
    // the sentinel: a connection with a token minted later, so expiring no sooner, never refreshed
    const control = await open(app, { token: await token({ ttl: '3s', campaigns: [a] }) });
    const controlGone = new Promise((resolve) => control.socket.once('disconnect', resolve));
    expect(await request(socket, 'auth:refresh', { token: await token({ ttl: '1h', campaigns: [a] }) })).toEqual({
      ok: true,
    });
    expect(await request(socket, 'auth:refresh', { token: await token({ sub: 'mallory' }) })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    await controlGone; // the first token's expiry has passed on the server too
    // an answer sent after that expiry: a disconnect for it would have come first
    expect((await request(socket, 'subscribe', { campaignId: a })).ok).toBe(true);
    expect(socket.connected).toBe(true);
  });
});

describe('socket authorization', () => {
  it('subscribing outside the token set gets an error and the room never leaks', async () => {
    const s = await open(app, { token: await token({ scope: 'read', campaigns: [a] }) });
    expect(await request(s.socket, 'subscribe', { campaignId: b })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect((await request(s.socket, 'subscribe', { campaignId: a })).ok).toBe(true);
    await postChat(b);
    // the sentinel: one instance delivers every room in commit order, so b's chat would come first
    await postChat(a);
    await eventually(() => s.received.length >= 1);
    expect(campaigns(s)).toEqual([a]);
  });

  it('creating through the socket follows the REST rules', async () => {
    const { socket: reader } = await open(app, { token: await token({ scope: 'read', campaigns: [a] }) });
    expect(await request(reader, 'chat:create', { campaign: a, author: 'human', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
    const { socket: writer } = await open(app, { token: await token({ scope: 'write', campaigns: [a] }) });
    expect(await request(writer, 'chat:create', { campaign: b, author: 'human', message: 'x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid', fields: { campaign: [expect.stringContaining('does not exist')] } },
    });
    expect(await request(writer, 'chat:create', { campaign: a, author: 'human', message: 'x' })).toMatchObject({
      ok: true,
    });
  });

  it('after a refresh with fewer campaigns, rooms no longer allowed are left', async () => {
    const s = await open(app, { token: await token({ campaigns: [a, b] }) });
    await s.subscribe(a);
    await s.subscribe(b);
    expect(await request(s.socket, 'auth:refresh', { token: await token({ campaigns: [a] }) })).toEqual({ ok: true });
    await postChat(b);
    const sentinel = await postChat(a); // in a room still allowed: b's chat would arrive before it
    await eventually(() => s.received.some((r) => r.event.data.id === sentinel.body.id));
    expect(campaigns(s)).toEqual([a]);
  });
});
