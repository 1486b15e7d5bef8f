import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { closeSockets, eventually, open } from '../support/sockets';

afterEach(closeSockets);

const OWN_FIELDS = ['id', 'title', 'description', 'status', 'created_at', 'updated_at'];

describe('a campaign with thousands of chats', () => {
  let app: App;
  let url: string;
  let heavy: string;
  beforeAll(async () => {
    ({ app, url } = await freshApp());
    heavy = (await createCampaign(app, { title: 'heavy' })).id;
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message)
       SELECT $1::uuid, 'human', 'chat ' || g FROM generate_series(1, 5000) g`,
      [heavy],
    );
    await createChat(app, (await createCampaign(app, { title: 'light' })).id);
  }, 30_000);
  afterAll(() => app.stop());

  it('REST keeps the nested arrays by default, as the reference', async () => {
    const res = await api(app).get(`/api/campaigns/${heavy}/`).expect(200);
    expect(res.body.chats).toHaveLength(5000);
    expect(res.body.datas).toEqual([]);
  });

  it.each(['false', '0'])('?nested=%s leaves them out of the detail and of every list item', async (nested) => {
    const detail = await api(app).get(`/api/campaigns/${heavy}/`).query({ nested }).expect(200);
    expect(Object.keys(detail.body)).toEqual(OWN_FIELDS);
    const list = await api(app).get('/api/campaigns/').query({ nested }).expect(200);
    expect(list.body.count).toBe(2);
    for (const item of list.body.results) expect(Object.keys(item)).toEqual(OWN_FIELDS);
    expect(list.body.results.map((c: { title: string }) => c.title).sort()).toEqual(['heavy', 'light']);
  });

  it('?nested=true is the default, and anything else is a 400 on nested', async () => {
    const res = await api(app).get('/api/campaigns/').query({ nested: 'true', page_size: 1 }).expect(200);
    expect(res.body.results[0]).toHaveProperty('chats');
    const bad = await api(app).get(`/api/campaigns/${heavy}/`).query({ nested: 'maybe' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ nested: ['Must be a valid boolean.'] });
  });

  it("campaign:updated carries the campaign's own fields, not its chats", async () => {
    const sub = await open(app);
    await sub.subscribe(heavy);
    await api(app).patch(`/api/campaigns/${heavy}/`).send({ status: 'started' }).expect(200);
    await eventually(() => sub.received.some((r) => r.name === 'campaign:updated'), 10_000, 'campaign:updated');
    const event = sub.received.find((r) => r.name === 'campaign:updated')!.event;
    expect(Object.keys(event.data)).toEqual(OWN_FIELDS);
    expect(event.data).toMatchObject({ id: heavy, status: 'started' });
    expect(JSON.stringify(event).length).toBeLessThan(1_000);
  });
});
