import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api, createCampaign, createChat } from '../support/http';
import { link, pathOf } from '../support/links';

let app: App;
let url: string;
beforeAll(async () => ({ app, url } = await freshApp()));
afterAll(() => app.stop());

const MISSING = '00000000-0000-4000-8000-000000000000';

interface Chat {
  id: string;
  message: string;
}
interface HistoryPage {
  previous: string | null;
  next: string | null;
  results: Chat[];
}

/**
 * A campaign with chats m01…mNN, `step` apart from 2026-01-01 on, written newest first
 * so that insertion order is never mistaken for time order.
 */
async function campaignWithChats(count: number, step = '1 second'): Promise<string> {
  const [{ id }] = await sql<{ id: string }>(url, `INSERT INTO campaigns (title) VALUES ('History') RETURNING id`);
  await sql(
    url,
    `INSERT INTO chats (campaign_id, author, message, created_at)
     SELECT $1, 'human', 'm' || lpad(i::text, 2, '0'), '2026-01-01T00:00:00Z'::timestamptz + i * $2::interval
     FROM generate_series($3::int, 1, -1) i`,
    [id, step, count],
  );
  return id;
}

const messages = (chats: Chat[]) => chats.map((c) => c.message);
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `m${String(from + i).padStart(2, '0')}`);

async function read(path: string): Promise<HistoryPage> {
  const res = await api(app).get(path).expect(200);
  expect(Object.keys(res.body).sort()).toEqual(['next', 'previous', 'results']);
  return res.body;
}
const follow = (href: string | null) => read(pathOf(app, href as string));

async function everyChat(campaign: string): Promise<Chat[]> {
  return (await api(app).get(`/api/campaigns/${campaign}/chats/`).expect(200)).body;
}

describe('without parameters', () => {
  it('is every chat of the campaign as a bare array, oldest first', async () => {
    const campaign = await campaignWithChats(5);
    const chats = await everyChat(campaign);
    expect(Array.isArray(chats)).toBe(true);
    expect(messages(chats)).toEqual(range(1, 5));
    expect(chats[0]).toEqual({
      id: expect.any(String),
      campaign,
      author: 'human',
      message: 'm01',
      status: 'complete',
      created_at: '2026-01-01T00:00:01.000Z',
      datas: [],
    });
  });

  it('is an empty array for a campaign without chats, and a 404 for an unknown campaign', async () => {
    const { id } = await createCampaign(app);
    await api(app).get(`/api/campaigns/${id}/chats/`).expect(200, []);
    await api(app).get(`/api/campaigns/${MISSING}/chats/`).expect(404, { detail: 'Not found.' });
    await api(app).get('/api/campaigns/abc/chats/').expect(404, { detail: 'Not found.' });
    await api(app).get(`/api/campaigns/${MISSING}/chats/?limit=0`).expect(404, { detail: 'Not found.' });
  });
});

describe('cursor pages', () => {
  it('?limit=N is the newest N, and previous links page back to the oldest with no overlap or gap', async () => {
    const campaign = await campaignWithChats(25);
    const newest = await read(`/api/campaigns/${campaign}/chats/?limit=10`);
    expect(messages(newest.results)).toEqual(range(16, 25));
    expect(link(newest.previous)).toEqual({
      origin: app.url,
      path: `/api/campaigns/${campaign}/chats/`,
      query: { limit: '10', before: expect.any(String) },
    });
    expect(link(newest.next)?.query).toEqual({ limit: '10', after: expect.any(String) });

    const older = await follow(newest.previous);
    expect(messages(older.results)).toEqual(range(6, 15));
    const oldest = await follow(older.previous);
    expect(messages(oldest.results)).toEqual(range(1, 5));
    expect(oldest.previous).toBeNull();
  });

  it('?after=<cursor> returns what came after it, and keeps working as a poll for new chats', async () => {
    const campaign = await campaignWithChats(25);
    const newest = await read(`/api/campaigns/${campaign}/chats/?limit=10`);
    const older = await follow(newest.previous);
    expect(messages((await follow(older.next)).results)).toEqual(range(16, 25));

    const nothingYet = await follow(newest.next);
    expect(nothingYet.results).toEqual([]);
    expect(nothingYet.next).not.toBeNull();
    const chat = await createChat(app, campaign, { message: 'brand new' });
    const poll = await follow(nothingYet.next);
    expect(poll.results).toEqual([chat]);
  });

  it('accepts the id of one of the campaign’s chats as a cursor', async () => {
    const campaign = await campaignWithChats(20);
    const m11 = (await everyChat(campaign))[10];
    expect(m11.message).toBe('m11');
    const before = await read(`/api/campaigns/${campaign}/chats/?before=${m11.id}&limit=5`);
    expect(messages(before.results)).toEqual(range(6, 10));
    const after = await read(`/api/campaigns/${campaign}/chats/?after=${m11.id}&limit=3`);
    expect(messages(after.results)).toEqual(range(12, 14));
  });

  it('chats written after the first page was read do not shift the older pages', async () => {
    const campaign = await campaignWithChats(25);
    const newest = await read(`/api/campaigns/${campaign}/chats/?limit=10`);
    for (let i = 0; i < 5; i++) await createChat(app, campaign, { message: `late ${i}` });
    const older = await follow(newest.previous);
    expect(messages(older.results)).toEqual(range(6, 15));
    expect(messages((await follow(older.previous)).results)).toEqual(range(1, 5));
    const now = await read(`/api/campaigns/${campaign}/chats/?limit=10`);
    expect(messages(now.results)).toEqual([...range(21, 25), 'late 0', 'late 1', 'late 2', 'late 3', 'late 4']);
  });

  it('pages neither overlap nor skip when every chat shares one created_at', async () => {
    const campaign = await campaignWithChats(23, '0 seconds');
    const pages: Chat[][] = [];
    let page = await read(`/api/campaigns/${campaign}/chats/?limit=4`);
    pages.unshift(page.results);
    while (page.previous) {
      page = await follow(page.previous);
      pages.unshift(page.results);
    }
    expect(pages).toHaveLength(6);
    expect(pages.flat().map((c) => c.id)).toEqual((await everyChat(campaign)).map((c) => c.id));
  });
});

describe('invalid cursor parameters', () => {
  let campaign: string;
  let otherChat: string;
  beforeAll(async () => {
    campaign = await campaignWithChats(3);
    otherChat = (await everyChat(await campaignWithChats(1)))[0].id;
  });

  it.each([
    ['before', 'garbage'],
    ['after', 'garbage'],
    ['before', Buffer.from('yesterday|nobody').toString('base64url')],
    ['after', MISSING],
  ])('?%s=%s is a 400 keyed by the parameter', async (key, cursor) => {
    await api(app)
      .get(`/api/campaigns/${campaign}/chats/?${key}=${cursor}`)
      .expect(400, { [key]: ['Invalid cursor.'] });
  });

  it('the id of another campaign’s chat is not a cursor here', async () => {
    await api(app)
      .get(`/api/campaigns/${campaign}/chats/?before=${otherChat}`)
      .expect(400, { before: ['Invalid cursor.'] });
  });

  it('before and after together are a 400', async () => {
    const [first] = await everyChat(campaign);
    const res = await api(app).get(`/api/campaigns/${campaign}/chats/?before=${first.id}&after=${first.id}`);
    expect(res.status).toBe(400);
    expect(res.body.non_field_errors).toEqual([expect.stringMatching(/before.*after/)]);
  });

  it.each(['0', '101', 'x', '1.5'])('?limit=%s is a 400 keyed by limit', async (limit) => {
    const res = await api(app).get(`/api/campaigns/${campaign}/chats/?limit=${limit}`).expect(400);
    expect(res.body).toEqual({ limit: [expect.any(String)] });
  });
});
