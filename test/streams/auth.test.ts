import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api } from '../support/http';
import { closeSockets, open, request } from '../support/sockets';
import { bearer, jwtConfig, token } from '../support/tokens';
import { appendOver, openStream } from './support';

describe('who may write to a stream, with tokens', () => {
  let app: App;
  const tokens: Record<string, string> = {};
  const writer = (sub: string) => tokens[sub];
  beforeAll(async () => {
    ({ app } = await freshApp(jwtConfig()));
    for (const sub of ['alice', 'bob']) tokens[sub] = await token({ sub, scope: 'write' });
    tokens.carol = await token({ sub: 'carol' });
    tokens.root = await token({ sub: 'root', scope: 'admin' });
    tokens.dave = await token({ sub: 'dave', scope: 'write', campaigns: ['00000000-0000-4000-8000-000000000001'] });
  });
  afterEach(closeSockets);
  afterAll(() => app?.stop());

  it('appends and finish only from the principal that started it; cancel from any member who may write there', async () => {
    const { body: campaign } = await api(app)
      .post('/api/campaigns/')
      .set(bearer(tokens.root))
      .send({ title: 'Tokens' })
      .expect(201);
    const alice = await open(app, { token: writer('alice') });
    const chat = await openStream(alice.socket, campaign.id);
    const bob = await open(app, { token: writer('bob') });
    expect(await appendOver(bob.socket, chat.id, 1, 'x')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await api(app)
      .post(`/api/chats/${chat.id}/append/`)
      .set(bearer(writer('bob')))
      .send({ seq: 1, text: 'x' })
      .expect(403);
    await api(app)
      .post(`/api/chats/${chat.id}/finish/`)
      .set(bearer(writer('bob')))
      .send({})
      .expect(403);
    // a reader may not cancel; a token for other campaigns does not see the chat at all
    await api(app).post(`/api/chats/${chat.id}/cancel/`).set(bearer(tokens.carol)).expect(403);
    const elsewhere = tokens.dave;
    await api(app).post(`/api/chats/${chat.id}/cancel/`).set(bearer(elsewhere)).expect(404);
    await api(app).post(`/api/chats/${chat.id}/append/`).set(bearer(elsewhere)).send({ seq: 1, text: 'x' }).expect(404);
    await api(app).post(`/api/chats/${chat.id}/append/`).expect(401);

    expect(await appendOver(alice.socket, chat.id, 1, 'mine')).toEqual({ ok: true, seq: 1, length: 4 });
    const cancelled = await request<{ data: { status: string } }>(bob.socket, 'chat:cancel', { id: chat.id });
    expect(cancelled).toMatchObject({ ok: true, data: { status: 'cancelled' } });
  });
});
