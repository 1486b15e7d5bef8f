import type { App } from '../../src/app';
import { startApp } from '../support/app';
import { createTestDatabase } from '../support/db';
import { api } from '../support/http';
import { bearer, jwtConfig, token } from '../support/tokens';

let app: App;
let admin: Record<string, string>;
beforeAll(async () => {
  app = await startApp(await createTestDatabase(), jwtConfig());
  admin = bearer(await token({ sub: 'root', scope: 'admin', campaigns: '*' }));
});
afterAll(() => app.stop());

const post = async (path: string, body: object, headers = admin) =>
  (await api(app).post(path).set(headers).send(body).expect(201)).body as { id: string };

describe('authentication', () => {
  const expect401 = async (headers: Record<string, string>, detail: RegExp) => {
    const res = await api(app).get('/api/campaigns/').set(headers).expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.body).toEqual({ detail: expect.stringMatching(detail) });
  };

  it('a missing token is 401 with WWW-Authenticate: Bearer', () => expect401({}, /not provided/));
  it('a malformed Authorization header is 401', () => expect401({ Authorization: 'Token abc' }, /Bearer/));
  it('a malformed token is 401', () => expect401(bearer('not.a.jwt'), /malformed/));
  it('an expired token is 401', async () => expect401(bearer(await token({ ttl: '-1m' })), /expired/));
  it('a token signed with another secret is 401', async () =>
    expect401(bearer(await token({ secret: 'another-secret-another-secret-another' })), /signature/));

  it('never echoes the token back', async () => {
    const bad = await token({ secret: 'another-secret-another-secret-another' });
    const res = await api(app).get('/api/chats/').set(bearer(bad)).expect(401);
    expect(res.text).not.toContain(bad.split('.')[2]);
  });

  it('health, readiness and the OpenAPI document need no token', async () => {
    await api(app).get('/healthz').expect(200);
    await api(app).get('/readyz').expect(200);
    const doc = await api(app).get('/api/openapi.json').expect(200);
    expect(doc.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

describe('authorization', () => {
  let a: { id: string }, b: { id: string };
  let chatA: { id: string }, chatB: { id: string }, dataB: { id: string }, chatOnlyDataB: { id: string };
  let readA: Record<string, string>, writeA: Record<string, string>;

  beforeAll(async () => {
    a = await post('/api/campaigns/', { title: 'Alpha public' });
    b = await post('/api/campaigns/', { title: 'Bravo secret' });
    chatA = await post('/api/chats/', { campaign: a.id, author: 'human', message: 'alpha says hi' });
    chatB = await post('/api/chats/', { campaign: b.id, author: 'human', message: 'bravo secret message' });
    dataB = await post('/api/datas/', { campaign: b.id, context: 'bravo data' });
    chatOnlyDataB = await post('/api/datas/', { chat: chatB.id, context: 'bravo chat data' });
    await post('/api/datas/', { campaign: a.id, chat: chatA.id, context: 'alpha data' });
    readA = bearer(await token({ sub: 'reader', scope: 'read', campaigns: [a.id] }));
    writeA = bearer(await token({ sub: 'writer', scope: 'write', campaigns: [a.id] }));
  });

  it('a read token reads its campaign and its chats and datas', async () => {
    await api(app).get(`/api/campaigns/${a.id}/`).set(readA).expect(200);
    await api(app).get(`/api/chats/${chatA.id}/`).set(readA).expect(200);
    await api(app).get(`/api/campaigns/${a.id}/chats/`).set(readA).expect(200);
  });

  it('anything of a campaign outside the token set is 404, so its existence is not revealed', async () => {
    for (const path of [
      `/api/campaigns/${b.id}/`,
      `/api/chats/${chatB.id}/`,
      `/api/datas/${dataB.id}/`,
      `/api/datas/${chatOnlyDataB.id}/`,
    ]) {
      await api(app).get(path).set(writeA).expect(404, { detail: 'Not found.' });
      await api(app).patch(path).set(writeA).send({}).expect(404, { detail: 'Not found.' });
      await api(app).delete(path).set(writeA).expect(404, { detail: 'Not found.' });
    }
    await api(app).get(`/api/campaigns/${b.id}/chats/`).set(writeA).expect(404, { detail: 'Not found.' });
    await api(app).get(`/api/campaigns/${b.id}/chats/?limit=5`).set(writeA).expect(404, { detail: 'Not found.' });
  });

  it('an allowed resource with the wrong scope is 403', async () => {
    await api(app).post('/api/chats/').set(readA).send({ campaign: a.id, author: 'human', message: 'x' }).expect(403);
    await api(app).patch(`/api/campaigns/${a.id}/`).set(readA).send({ status: 'started' }).expect(403);
    await api(app).delete(`/api/chats/${chatA.id}/`).set(readA).expect(403);
    await api(app).post('/api/campaigns/').set(writeA).send({ title: 'new' }).expect(403);
    await api(app).delete(`/api/campaigns/${a.id}/`).set(writeA).expect(403);
  });

  it('write may create, change and delete chats and datas of its campaigns, and change the campaign', async () => {
    const chat = await post('/api/chats/', { campaign: a.id, author: 'ai', message: 'written' }, writeA);
    await api(app).patch(`/api/chats/${chat.id}/`).set(writeA).send({ message: 'edited' }).expect(200);
    const data = await post('/api/datas/', { chat: chat.id, context: 'mine' }, writeA);
    await api(app).delete(`/api/datas/${data.id}/`).set(writeA).expect(204);
    await api(app).delete(`/api/chats/${chat.id}/`).set(writeA).expect(204);
    await api(app).patch(`/api/campaigns/${a.id}/`).set(writeA).send({ description: 'changed' }).expect(200);
  });

  it('writing into a campaign outside the set looks like writing to a missing one', async () => {
    const res = await api(app)
      .post('/api/chats/')
      .set(writeA)
      .send({ campaign: b.id, author: 'ai', message: 'x' })
      .expect(400);
    expect(res.body).toEqual({ campaign: [`Invalid pk "${b.id}" - object does not exist.`] });
    const data = await api(app).post('/api/datas/').set(writeA).send({ chat: chatB.id }).expect(400);
    expect(data.body).toEqual({ chat: [`Invalid pk "${chatB.id}" - object does not exist.`] });
  });

  it('admin may create and delete campaigns', async () => {
    const c = await post('/api/campaigns/', { title: 'temporary' });
    await api(app).delete(`/api/campaigns/${c.id}/`).set(admin).expect(204);
  });

  it('no leak: lists, searches, counts, filters and nested arrays show only the token campaigns', async () => {
    const campaigns = await api(app).get('/api/campaigns/').set(readA).expect(200);
    expect(campaigns.body.count).toBe(1);
    expect(campaigns.body.results.map((c: { id: string }) => c.id)).toEqual([a.id]);
    for (const path of ['/api/campaigns/?search=bravo', '/api/chats/?search=bravo', '/api/datas/?search=bravo']) {
      expect((await api(app).get(path).set(readA).expect(200)).body).toMatchObject({ count: 0, results: [] });
    }
    expect((await api(app).get(`/api/chats/?campaign=${b.id}`).set(readA).expect(200)).body.count).toBe(0);
    expect((await api(app).get(`/api/datas/?chat=${chatB.id}`).set(readA).expect(200)).body.count).toBe(0);
    const chats = await api(app).get('/api/chats/').set(readA).expect(200);
    expect(chats.body.results.every((c: { campaign: string }) => c.campaign === a.id)).toBe(true);
    const datas = await api(app).get('/api/datas/').set(readA).expect(200);
    expect(datas.body.count).toBeGreaterThan(0);
    expect(JSON.stringify(datas.body)).not.toMatch(/bravo/);
    const all = await api(app).get('/api/datas/').set(admin).expect(200);
    expect(all.body.count).toBeGreaterThan(datas.body.count);
    expect(JSON.stringify(campaigns.body)).not.toMatch(/bravo/i);
  });
});
