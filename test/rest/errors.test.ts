import type { App } from '../../src/app';
import { freshApp, startApp } from '../support/app';
import { api, createCampaign, createChat } from '../support/http';

let app: App;
let url: string;
let campaign: string;
let chat: string;
beforeAll(async () => {
  ({ app, url } = await freshApp());
  campaign = (await createCampaign(app, { title: 'Existing' })).id;
  chat = (await createChat(app, campaign, { message: 'existing' })).id;
});
afterAll(() => app.stop());

const MISSING = '00000000-0000-4000-8000-000000000000';
const missingPk = `Invalid pk "${MISSING}" - object does not exist.`;

const counts = () =>
  Promise.all(['campaigns', 'chats', 'datas'].map(async (n) => (await api(app).get(`/api/${n}/`)).body.count));

/** POSTs a body that must be refused; checks that no collection grew. */
async function refused(path: string, body: unknown) {
  const before = await counts();
  const res = await api(app)
    .post(path)
    .send(body as object);
  expect(await counts()).toEqual(before);
  return res;
}

describe('validation', () => {
  it('names every bad field at once', async () => {
    const res = await refused('/api/chats/', { author: 'bob', message: '   ' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      campaign: ['This field is required.'],
      author: ['"bob" is not a valid choice.'],
      message: ['This field may not be blank.'],
    });
  });

  it('requires a non-blank campaign title and checks the status choice', async () => {
    expect((await refused('/api/campaigns/', {})).body).toEqual({ title: ['This field is required.'] });
    expect((await refused('/api/campaigns/', { title: '  ', status: 'bob' })).body).toEqual({
      title: ['This field may not be blank.'],
      status: ['"bob" is not a valid choice.'],
    });
  });

  it('requires campaign, author and message on a chat', async () => {
    const required = ['This field is required.'];
    const res = await refused('/api/chats/', {});
    expect(res.body).toEqual({ campaign: required, author: required, message: required });
  });

  it('ignores read-only and unknown fields', async () => {
    const res = await api(app)
      .post('/api/campaigns/')
      .send({
        title: 'Ignoring',
        id: MISSING,
        created_at: '2000-01-01T00:00:00.000Z',
        updated_at: '2000-01-01T00:00:00.000Z',
        chats: [{ author: 'ai', message: 'smuggled' }],
        datas: [{ context: 'smuggled' }],
        password: 'hunter2',
      })
      .expect(201);
    expect(res.body).toEqual(expect.objectContaining({ title: 'Ignoring', chats: [], datas: [] }));
    expect(res.body.id).not.toBe(MISSING);
    expect(res.body.created_at.startsWith('2000')).toBe(false);
    expect(res.body).not.toHaveProperty('password');
    const c = await createChat(app, campaign, { id: MISSING, created_at: '2000-01-01T00:00:00.000Z', datas: [{}] });
    expect(c).toEqual(expect.objectContaining({ datas: [] }));
    expect(c.id).not.toBe(MISSING);
    expect(c.created_at.startsWith('2000')).toBe(false);
  });

  it.each(['http://example.com/a.png', 'https://example.com/x?y=1', 'ftp://files.example.com/f', ''])(
    'accepts %j as an image',
    async (image) => {
      const res = await api(app).post('/api/datas/').send({ image }).expect(201);
      expect(res.body.image).toBe(image);
    },
  );

  it('accepts an image URL of exactly 200 characters and refuses 201', async () => {
    const base = 'https://example.com/';
    await api(app)
      .post('/api/datas/')
      .send({ image: base + 'a'.repeat(200 - base.length) })
      .expect(201);
    const res = await refused('/api/datas/', { image: base + 'a'.repeat(201 - base.length) });
    expect(res.body).toEqual({ image: ['Ensure this field has no more than 200 characters.'] });
  });

  it.each(['example.com/a.png', 'javascript:alert(1)', 'mailto:a@example.com', 'not a url'])(
    'refuses %j as an image',
    async (image) => {
      expect((await refused('/api/datas/', { image })).body).toEqual({ image: ['Enter a valid URL.'] });
    },
  );

  it('a foreign key to a missing row is a 400 on that field', async () => {
    const body = { campaign: MISSING, author: 'human', message: 'hi' };
    expect((await refused('/api/chats/', body)).body).toEqual({ campaign: [missingPk] });
    expect((await refused('/api/datas/', { campaign: MISSING })).body).toEqual({ campaign: [missingPk] });
    expect((await refused('/api/datas/', { chat: MISSING })).body).toEqual({ chat: [missingPk] });
    await api(app)
      .patch(`/api/chats/${chat}/`)
      .send({ campaign: MISSING })
      .expect(400, { campaign: [missingPk] });
  });

  it.each([5, true, { text: 'x' }, ['x'], null])('refuses %j where text is expected', async (value) => {
    expect((await refused('/api/campaigns/', { title: value, description: value })).body).toEqual({
      title: [expect.any(String)],
      description: [expect.any(String)],
    });
    const res = await refused('/api/chats/', { campaign: campaign, author: 'ai', message: value });
    expect(res.body).toEqual({ message: [expect.any(String)] });
    expect((await refused('/api/datas/', { context: value })).body).toEqual({ context: [expect.any(String)] });
  });

  it('refuses NUL characters in text', async () => {
    const nul = ['Null characters are not allowed.'];
    expect((await refused('/api/campaigns/', { title: 'a\u0000b' })).body).toEqual({ title: nul });
    const res = await refused('/api/chats/', { campaign, author: 'ai', message: '\u0000' });
    expect(res.body).toEqual({ message: nul });
    expect((await refused('/api/datas/', { context: 'x\u0000' })).body).toEqual({ context: nul });
  });

  it('a refused update changes nothing, not even the fields that were valid', async () => {
    const c = await createCampaign(app, { title: 'Unchanged' });
    const h = await createChat(app, c.id, { message: 'unchanged' });
    await api(app).patch(`/api/campaigns/${c.id}/`).send({ title: 'Renamed', status: 'bob' }).expect(400);
    await api(app).put(`/api/chats/${h.id}/`).send({ campaign: c.id, author: 'ai', message: '' }).expect(400);
    expect((await api(app).get(`/api/campaigns/${c.id}/`)).body).toMatchObject({
      title: 'Unchanged',
      status: 'pending',
      chats: [{ id: h.id, author: 'human', message: 'unchanged' }],
    });
  });
});

describe('protocol errors', () => {
  const post = (type: string, body: string) => api(app).post('/api/campaigns/').set('Content-Type', type).send(body);

  it('malformed JSON is a 400 with a detail', async () => {
    const res = await post('application/json', '{"title": ').expect(400);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ detail: expect.stringContaining('JSON parse error') });
  });

  it.each([
    ['["title"]', 'list'],
    ['"title"', 'string'],
    ['42', 'number'],
    ['null', 'null'],
  ])('a JSON body %s that is not an object is a 400', async (body, kind) => {
    const res = await post('application/json', body).expect(400);
    expect(res.body.detail).toBe(`Invalid data. Expected a dictionary, but got ${kind}.`);
  });

  it('a text/plain body is a 415', async () => {
    await post('text/plain', 'title=Plain').expect(415, { detail: 'Unsupported media type "text/plain" in request.' });
  });

  it('accepts a form-encoded campaign', async () => {
    const res = await api(app).post('/api/campaigns/').type('form').send({ title: 'Form', status: 'started' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: 'Form', status: 'started', chats: [] });
  });

  it('a body over the configured limit is a 413; the same body fits the default 1 MB', async () => {
    const small = await startApp(url, { bodyLimit: '1kb' });
    try {
      const body = { title: 'Big', description: 'x'.repeat(2000) };
      const res = await api(small).post('/api/campaigns/').send(body).expect(413);
      expect(res.body).toEqual({ detail: expect.any(String) });
      await api(small).post('/api/campaigns/').send({ title: 'Small' }).expect(201);
      await api(app).post('/api/campaigns/').send(body).expect(201);
    } finally {
      await small.stop();
    }
  });

  it.each([
    ['put', '/api/campaigns/', 'GET, POST'],
    ['delete', '/api/chats/', 'GET, POST'],
    ['post', `/api/campaigns/${MISSING}/`, 'GET, PUT, PATCH, DELETE'],
    ['post', `/api/campaigns/${MISSING}/chats/`, 'GET'],
  ] as const)('%s %s is a 405 with an Allow header', async (method, path, allow) => {
    const res = await api(app)[method](path).expect(405);
    expect(res.body).toEqual({ detail: `Method "${method.toUpperCase()}" not allowed.` });
    expect(res.headers.allow).toBe(`${allow}, HEAD, OPTIONS`);
  });

  it.each(['/api/nowhere/', '/nowhere', '/api/campaigns/x/y/z'])('unknown route %s is a JSON 404', async (path) => {
    const res = await api(app).get(path).expect(404);
    expect(res.type).toBe('application/json');
    expect(res.body).toEqual({ detail: 'Not found.' });
  });
});

describe('unknown or malformed ids are 404, never 400 or 500', () => {
  const bodies = () => ({
    campaigns: { title: 'x' },
    chats: { campaign, author: 'ai', message: 'x' },
    datas: { context: 'x' },
  });
  const cases = ['campaigns', 'chats', 'datas'].flatMap((name) =>
    ['abc', '123', MISSING, MISSING.toUpperCase(), `${MISSING}0`, '%00'].map((id) => [name, id] as const),
  );

  it.each(cases)('/api/%s/%s/ for GET, PUT, PATCH and DELETE, with a valid or empty body', async (name, id) => {
    const path = `/api/${name}/${id}/`;
    const body = bodies()[name as keyof ReturnType<typeof bodies>];
    await api(app).get(path).expect(404, { detail: 'Not found.' });
    await api(app).delete(path).expect(404, { detail: 'Not found.' });
    for (const send of [body, {}]) {
      await api(app).put(path).send(send).expect(404, { detail: 'Not found.' });
      await api(app).patch(path).send(send).expect(404, { detail: 'Not found.' });
    }
  });
});

describe('API documents', () => {
  it('/api/openapi.json is an OpenAPI 3 document listing every path', async () => {
    const res = await api(app).get('/api/openapi.json').expect(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/campaigns/',
        '/api/campaigns/{id}/',
        '/api/campaigns/{id}/chats/',
        '/api/chats/',
        '/api/chats/{id}/',
        '/api/datas/',
        '/api/datas/{id}/',
      ]),
    );
  });

  it('/api/docs serves an HTML page', async () => {
    const res = await api(app).get('/api/docs').redirects(2).expect(200);
    expect(res.type).toBe('text/html');
    expect(res.text).toMatch(/swagger/i);
  });
});
