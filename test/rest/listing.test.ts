import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api } from '../support/http';
import { link, pathOf } from '../support/links';

const apps: App[] = [];
afterAll(() => Promise.all(apps.map((a) => a.stop())));

async function fresh(): Promise<{ app: App; url: string }> {
  const started = await freshApp();
  apps.push(started.app);
  return started;
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

/** Follows `next` from `path` to the end, as a client would; returns every id seen. */
async function walk(app: App, path: string): Promise<string[]> {
  const seen: string[] = [];
  let next: string | null = path;
  while (next) {
    const page: { next: string | null; results: { id: string }[] } = (await api(app).get(next).expect(200)).body;
    seen.push(...ids(page.results));
    next = page.next === null ? null : pathOf(app, page.next);
  }
  return seen;
}

describe('pages of 45 rows that all share one created_at', () => {
  let app: App;
  let url: string;
  let campaignIds: string[];
  let chatIds: string[];
  let dataIds: string[];
  const MOMENT = '2026-01-01T00:00:00Z';

  beforeAll(async () => {
    ({ app, url } = await fresh());
    campaignIds = ids(
      await sql<{ id: string }>(
        url,
        `INSERT INTO campaigns (title, created_at, updated_at)
         SELECT 'Same moment', $1, $1 FROM generate_series(1, 45) i RETURNING id`,
        [MOMENT],
      ),
    );
    chatIds = ids(
      await sql<{ id: string }>(
        url,
        `INSERT INTO chats (campaign_id, author, message, created_at)
         SELECT $1, 'human', 'chat ' || i, $2 FROM generate_series(1, 45) i RETURNING id`,
        [campaignIds[0], MOMENT],
      ),
    );
    dataIds = ids(
      await sql<{ id: string }>(
        url,
        `INSERT INTO datas (context, campaign_id) SELECT 'data ' || i, $1 FROM generate_series(1, 45) i RETURNING id`,
        [campaignIds[0]],
      ),
    );
  });

  it('the first page is an envelope of 20 results with an absolute next link and no previous', async () => {
    const res = await api(app).get('/api/campaigns/').expect(200);
    expect(Object.keys(res.body)).toEqual(['count', 'next', 'previous', 'results']);
    expect(res.body.count).toBe(45);
    expect(res.body.results).toHaveLength(20);
    expect(res.body.results[0]).toEqual(
      expect.objectContaining({ title: expect.stringMatching(/^Same moment/), chats: expect.any(Array) }),
    );
    expect(link(res.body.next)).toEqual({ origin: app.url, path: '/api/campaigns/', query: { page: '2' } });
    expect(res.body.previous).toBeNull();
  });

  it('page 2 links back to the list without a page parameter, as DRF does', async () => {
    const res = await api(app).get('/api/campaigns/?page=2').expect(200);
    expect(res.body.results).toHaveLength(20);
    expect(link(res.body.previous)).toEqual({ origin: app.url, path: '/api/campaigns/', query: {} });
    expect(link(res.body.next)?.query).toEqual({ page: '3' });
  });

  it('?page=last serves the final partial page', async () => {
    const res = await api(app).get('/api/campaigns/?page=last').expect(200);
    expect(res.body.results).toHaveLength(5);
    expect(res.body.next).toBeNull();
    expect(link(res.body.previous)?.query).toEqual({ page: '2' });
    const third = await api(app).get('/api/campaigns/?page=3').expect(200);
    expect(ids(third.body.results)).toEqual(ids(res.body.results));
  });

  it('next and previous keep every other query parameter', async () => {
    const res = await api(app).get('/api/campaigns/?search=moment&page=2&page_size=10&ordering=title').expect(200);
    expect(link(res.body.next)).toEqual({
      origin: app.url,
      path: '/api/campaigns/',
      query: { search: 'moment', page: '3', page_size: '10', ordering: 'title' },
    });
    expect(link(res.body.previous)?.query).toEqual({ search: 'moment', page_size: '10', ordering: 'title' });
  });

  it.each([
    ['out of range', '4'],
    ['zero', '0'],
    ['negative', '-1'],
    ['not an integer', '1.5'],
    ['not a number', 'two'],
    ['empty', ''],
  ])('a page that is %s is a 404 "Invalid page."', async (_case, page) => {
    await api(app).get(`/api/campaigns/?page=${page}`).expect(404, { detail: 'Invalid page.' });
  });

  it('an empty list has one empty page; page 2 of it is a 404', async () => {
    const res = await api(app).get('/api/campaigns/?search=nothing-matches-this').expect(200);
    expect(res.body).toEqual({ count: 0, next: null, previous: null, results: [] });
    await api(app).get('/api/campaigns/?search=nothing-matches-this&page=2').expect(404, { detail: 'Invalid page.' });
  });

  it('?page_size sets the page length from 1 to 100', async () => {
    const seven = await api(app).get('/api/chats/?page_size=7').expect(200);
    expect(seven.body.results).toHaveLength(7);
    expect(link(seven.body.next)?.query).toEqual({ page_size: '7', page: '2' });
    const one = await api(app).get('/api/datas/?page_size=1').expect(200);
    expect(one.body.results).toHaveLength(1);
    const hundred = await api(app).get('/api/campaigns/?page_size=100').expect(200);
    expect(hundred.body.results).toHaveLength(45);
    expect(hundred.body.next).toBeNull();
  });

  it.each(['0', '101', 'x', '2.5'])('?page_size=%s is a 400 keyed by page_size', async (size) => {
    const res = await api(app).get(`/api/campaigns/?page_size=${size}`).expect(400);
    expect(res.body).toEqual({ page_size: [expect.any(String)] });
  });

  it.each([
    ['/api/campaigns/', () => campaignIds],
    ['/api/campaigns/?ordering=updated_at', () => campaignIds],
    ['/api/campaigns/?ordering=-title', () => campaignIds],
    ['/api/chats/', () => chatIds],
    ['/api/chats/?ordering=-created_at&author=human', () => chatIds],
    ['/api/datas/', () => dataIds],
  ])('%s: pages neither overlap nor skip, and every page size sees one order', async (list, all) => {
    const sep = list.includes('?') ? '&' : '?';
    const bySeven = await walk(app, `${list}${sep}page_size=7`);
    expect(new Set(bySeven).size).toBe(45);
    expect([...bySeven].sort()).toEqual([...all()].sort());
    expect(await walk(app, list)).toEqual(bySeven);
    expect(await walk(app, `${list}${sep}page_size=100`)).toEqual(bySeven);
  });
});

describe('default order', () => {
  let app: App;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await fresh());
  });

  it('campaigns newest first, each with its chats oldest first', async () => {
    const [middle] = await sql<{ id: string }>(
      url,
      `INSERT INTO campaigns (title, created_at) VALUES
         ('Middle', '2026-02-01T00:00:00Z'), ('Newest', '2026-03-01T00:00:00Z'), ('Oldest', '2026-01-01T00:00:00Z')
       RETURNING id`,
    );
    await sql(
      url,
      `INSERT INTO chats (campaign_id, author, message, created_at) VALUES
         ($1, 'ai', 'second', '2026-02-01T10:00:02Z'),
         ($1, 'human', 'third', '2026-02-01T10:00:03Z'),
         ($1, 'human', 'first', '2026-02-01T10:00:01Z')`,
      [middle.id],
    );
    const res = await api(app).get('/api/campaigns/').expect(200);
    expect(res.body.results.map((c: { title: string }) => c.title)).toEqual(['Newest', 'Middle', 'Oldest']);
    const nested = res.body.results[1].chats.map((c: { message: string }) => c.message);
    expect(nested).toEqual(['first', 'second', 'third']);

    const chats = await api(app).get('/api/chats/').expect(200);
    expect(chats.body.results.map((c: { message: string }) => c.message)).toEqual(['first', 'second', 'third']);
  });

  it('datas by id', async () => {
    const created = await sql<{ id: string }>(
      url,
      `INSERT INTO datas (context) SELECT 'd' || i FROM generate_series(1, 6) i RETURNING id`,
    );
    const res = await api(app).get('/api/datas/').expect(200);
    expect(ids(res.body.results)).toEqual(ids(created).sort());
  });
});
