import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { api, createCampaign, createChat, createData } from '../support/http';

let app: App;
beforeAll(async () => {
  ({ app } = await freshApp());
});
afterAll(() => app.stop());

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('API root', () => {
  it('lists the three collections as absolute URLs', async () => {
    const res = await api(app).get('/api/').expect(200);
    expect(res.body).toEqual({
      campaigns: `${app.url}/api/campaigns/`,
      chats: `${app.url}/api/chats/`,
      datas: `${app.url}/api/datas/`,
    });
  });
});

describe('campaigns', () => {
  it('creates with defaults, trims text and returns the full representation', async () => {
    const res = await api(app).post('/api/campaigns/').send({ title: '  Launch  ', description: ' d ' }).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      title: 'Launch',
      description: 'd',
      status: 'pending',
      created_at: expect.stringMatching(ISO_UTC),
      updated_at: expect.stringMatching(ISO_UTC),
      chats: [],
      datas: [],
    });
  });

  it('reads one with nested chats (each with its datas) and datas', async () => {
    const c = await createCampaign(app);
    const chat = await createChat(app, c.id, { message: 'first' });
    const data = await createData(app, { campaign: c.id, chat: chat.id, context: 'ctx' });
    const res = await api(app).get(`/api/campaigns/${c.id}/`).expect(200);
    expect(res.body.chats).toEqual([{ ...chat, datas: [data] }]);
    expect(res.body.datas).toEqual([data]);
  });

  it('PUT keeps optional fields the body omits; PATCH changes only what it names; updated_at advances', async () => {
    const c = await createCampaign(app, { description: 'keep me', status: 'started' });
    const put = await api(app).put(`/api/campaigns/${c.id}/`).send({ title: 'Renamed' }).expect(200);
    expect(put.body).toMatchObject({ title: 'Renamed', description: 'keep me', status: 'started' });
    expect(put.body.updated_at > c.updated_at).toBe(true);
    const patch = await api(app).patch(`/api/campaigns/${c.id}`).send({ status: 'completed' }).expect(200);
    expect(patch.body).toMatchObject({ title: 'Renamed', status: 'completed' });
    expect(patch.body.updated_at > put.body.updated_at).toBe(true);
    expect(patch.body.created_at).toBe(c.created_at);
  });

  it('PUT without the required title is a 400', async () => {
    const c = await createCampaign(app);
    const res = await api(app).put(`/api/campaigns/${c.id}/`).send({ status: 'started' }).expect(400);
    expect(res.body).toEqual({ title: ['This field is required.'] });
  });

  it('DELETE answers 204 with an empty body, cascades, then the campaign is 404', async () => {
    const c = await createCampaign(app);
    const chat = await createChat(app, c.id);
    const data = await createData(app, { campaign: c.id });
    const res = await api(app).delete(`/api/campaigns/${c.id}/`).expect(204);
    expect(res.text).toBe('');
    await api(app).get(`/api/campaigns/${c.id}/`).expect(404, { detail: 'Not found.' });
    await api(app).get(`/api/chats/${chat.id}/`).expect(404);
    await api(app).get(`/api/datas/${data.id}/`).expect(404);
    await api(app).delete(`/api/campaigns/${c.id}/`).expect(404);
  });

  it('serves every URL with and without the trailing slash, without redirects', async () => {
    const c = await createCampaign(app);
    await api(app).get('/api').expect(200);
    await api(app).get('/api/campaigns').expect(200);
    await api(app).get(`/api/campaigns/${c.id}`).expect(200);
    await api(app).post('/api/campaigns').send({ title: 'no slash' }).expect(201);
    await api(app).get(`/api/campaigns/${c.id}/chats`).expect(200);
  });
});

describe('chats', () => {
  it('creates, reads, replaces, patches and deletes a chat', async () => {
    const c = await createCampaign(app);
    const chat = await createChat(app, c.id, { author: 'ai', message: '  hi  ' });
    expect(chat).toEqual({
      id: expect.any(String),
      campaign: c.id,
      author: 'ai',
      message: 'hi',
      status: 'complete',
      created_at: expect.stringMatching(ISO_UTC),
      datas: [],
    });
    await api(app).get(`/api/chats/${chat.id}/`).expect(200, chat);
    const put = await api(app)
      .put(`/api/chats/${chat.id}/`)
      .send({ campaign: c.id, author: 'tool', message: 'x' })
      .expect(200);
    expect(put.body).toMatchObject({ author: 'tool', message: 'x', created_at: chat.created_at });
    const patch = await api(app).patch(`/api/chats/${chat.id}/`).send({ message: 'y' }).expect(200);
    expect(patch.body).toMatchObject({ author: 'tool', message: 'y' });
    await api(app).delete(`/api/chats/${chat.id}/`).expect(204);
    await api(app).get(`/api/chats/${chat.id}/`).expect(404);
  });

  it('nests the datas attached to the chat', async () => {
    const c = await createCampaign(app);
    const chat = await createChat(app, c.id);
    const data = await createData(app, { chat: chat.id, image: 'https://example.com/a.png' });
    const res = await api(app).get(`/api/chats/${chat.id}/`).expect(200);
    expect(res.body.datas).toEqual([data]);
  });

  it('refuses to move a chat away from the campaign its datas name', async () => {
    const a = await createCampaign(app);
    const b = await createCampaign(app);
    const chat = await createChat(app, a.id);
    await createData(app, { chat: chat.id, campaign: a.id });
    const res = await api(app).patch(`/api/chats/${chat.id}/`).send({ campaign: b.id }).expect(400);
    expect(res.body).toEqual({ campaign: [expect.any(String)] });
    await api(app)
      .get(`/api/chats/${chat.id}/`)
      .expect(200)
      .expect((r) => expect(r.body.campaign).toBe(a.id));
  });
});

describe('datas', () => {
  it('creates with defaults and optional foreign keys, patches and deletes', async () => {
    const data = await createData(app, {});
    expect(data).toEqual({ id: expect.any(String), context: '', image: '', chat: null, campaign: null });
    const c = await createCampaign(app);
    const patched = await api(app).patch(`/api/datas/${data.id}/`).send({ campaign: c.id, context: ' c ' }).expect(200);
    expect(patched.body).toEqual({ ...data, campaign: c.id, context: 'c' });
    const put = await api(app).put(`/api/datas/${data.id}/`).send({ image: 'ftp://files.example.com/x' }).expect(200);
    expect(put.body).toEqual({ ...patched.body, image: 'ftp://files.example.com/x' });
    await api(app).delete(`/api/datas/${data.id}`).expect(204);
    await api(app).get(`/api/datas/${data.id}`).expect(404);
  });

  it('a data whose chat belongs to another campaign is a 400 and nothing is written', async () => {
    const a = await createCampaign(app);
    const b = await createCampaign(app);
    const chat = await createChat(app, a.id);
    const res = await api(app)
      .post('/api/datas/')
      .send({ chat: chat.id, campaign: b.id, context: 'mismatch' })
      .expect(400);
    expect(res.body).toEqual({ chat: [expect.stringContaining('another campaign')] });
    const list = await api(app).get('/api/datas/?search=mismatch').expect(200);
    expect(list.body.count).toBe(0);
  });

  it('the same check applies when a PATCH changes only one side', async () => {
    const a = await createCampaign(app);
    const b = await createCampaign(app);
    const chat = await createChat(app, a.id);
    const data = await createData(app, { chat: chat.id });
    await api(app).patch(`/api/datas/${data.id}/`).send({ campaign: b.id }).expect(400);
    await api(app).patch(`/api/datas/${data.id}/`).send({ campaign: a.id }).expect(200);
  });
});
