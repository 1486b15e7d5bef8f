import type { App } from '../../src/app';
import type { ChatError, ClientState, RoomEvent } from '../../src/client';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api, postChat } from '../support/http';
import { eventually } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';
import { chatClient, closeClients, createdIds } from './support';

let app: App;
let admin: Record<string, string>;
let campaign: string;
beforeAll(async () => {
  app = await startApp(await createTestDatabase(), jwtConfig());
  admin = bearer(await token({ sub: 'root', scope: 'admin' }));
  campaign = (await api(app).post('/api/campaigns/').set(admin).send({ title: 'T' }).expect(201)).body.id;
});
afterAll(async () => {
  closeClients();
  await app.stop();
});

it('a short-lived token is refreshed by the token function before it expires, without dropping an event', async () => {
  let calls = 0;
  // 2–3 s of life (expiry is in whole seconds): several refreshes while the writer runs
  const client = chatClient({ url: app.url, token: () => (calls++, token({ ttl: '3s', campaigns: [campaign] })) });
  const states: ClientState[] = [];
  const errors: ChatError[] = [];
  client.on('state', (s) => states.push(s));
  client.on('error', (e) => errors.push(e));
  const room = client.room(campaign);
  const events: RoomEvent[] = [];
  room.on('event', (e) => events.push(e));
  await room.loadLatest(10);

  // writing until the token has been fetched four times: the connect, then three refreshes (~1.5 s apart)
  const written: string[] = [];
  const write = async () => void written.push((await postChat(app, campaign, `t${written.length}`, admin)).id);
  await eventually(async () => calls >= 4 || (await write(), false), 20_000, 'three refreshes', 50);
  // and one more, the sentinel: a duplicate or a lost chat would show before it arrives
  await write();
  await eventually(() => createdIds(events).includes(written[written.length - 1]), 10_000, 'every chat');
  expect(createdIds(events)).toEqual(written);
  expect(errors).toEqual([]);
  expect(states).toEqual(['live']); // never dropped
});

it('a refused token is reported to the client and its rooms', async () => {
  const client = chatClient({ url: app.url, token: 'nope' });
  const clientErrors: ChatError[] = [];
  const roomErrors: ChatError[] = [];
  client.on('error', (e) => clientErrors.push(e));
  client.room(campaign).on('error', (e) => roomErrors.push(e));
  await eventually(() => clientErrors.length > 0 && roomErrors.length > 0);
  expect(clientErrors[0]).toMatchObject({
    status: 401,
    code: 'unauthorized',
    message: expect.stringMatching(/malformed/),
  });
  expect(roomErrors[0]).toBe(clientErrors[0]);
  expect(client.state).toBe('connecting');
});

it('a fixed token that expires is reported, not a silent stop', async () => {
  const client = chatClient({ url: app.url, token: await token({ ttl: '2s', campaigns: [campaign] }) });
  const errors: ChatError[] = [];
  client.on('error', (e) => errors.push(e));
  const room = client.room(campaign);
  await eventually(() => room.state === 'live');
  await eventually(() => errors.some((e) => e.code === 'token_expired'), 5_000, 'auth:expired');
  expect(errors.find((e) => e.code === 'token_expired')).toMatchObject({
    status: 401,
    message: 'The token has expired.',
  });
  // it tries again, and the server says why it refuses
  await eventually(() => errors.some((e) => /expired/.test(e.message) && e.code === 'unauthorized'), 5_000);
});
