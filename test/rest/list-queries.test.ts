import type { App } from '../../src/app';
import { freshApp } from '../support/app';
import { sql } from '../support/db';
import { api } from '../support/http';

let app: App;
let url: string;
const id: Record<string, string> = {};

// Titles chosen so that every collation sorts them the same way.
const CAMPAIGNS: [title: string, description: string, status: string, createdAt: string][] = [
  ['Autumn sale', 'launch party', 'pending', '2026-01-01'],
  ['Spring Launch', 'flowers', 'started', '2026-01-02'],
  ['Zebra done', '', 'completed', '2026-01-03'],
  ['Yak done', '', 'pending', '2026-01-03'],
  ['100% off', '', 'pending', '2026-01-04'],
  ['100 off', '', 'pending', '2026-01-05'],
  ['a_b', '', 'pending', '2026-01-06'],
  ['axb', '', 'pending', '2026-01-07'],
  ['back\\slash', '', 'pending', '2026-01-08'],
];

beforeAll(async () => {
  ({ app, url } = await freshApp());
  for (const [title, description, status, createdAt] of CAMPAIGNS) {
    const [row] = await sql<{ id: string }>(
      url,
      'INSERT INTO campaigns (title, description, status, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [title, description, status, createdAt],
    );
    id[title] = row.id;
  }
  const chat = async (campaign: string, author: string, message: string, at: string) => {
    const [row] = await sql<{ id: string }>(
      url,
      'INSERT INTO chats (campaign_id, author, message, created_at) VALUES ($1, $2, $3, $4) RETURNING id',
      [id[campaign], author, message, at],
    );
    id[message] = row.id;
  };
  await chat('Spring Launch', 'human', 'Hello there', '2026-02-01T10:00:01Z');
  await chat('Spring Launch', 'ai', 'Greetings', '2026-02-01T10:00:02Z');
  await chat('Spring Launch', 'tool', 'said hi', '2026-02-01T10:00:03Z');
  await chat('Autumn sale', 'human', 'Buy now', '2026-02-01T10:00:04Z');
  const data = async (context: string, campaign: string, chat: string | null) => {
    const [row] = await sql<{ id: string }>(
      url,
      'INSERT INTO datas (context, campaign_id, chat_id) VALUES ($1, $2, $3) RETURNING id',
      [context, id[campaign], chat && id[chat]],
    );
    id[context] = row.id;
  };
  await data('Blue sky', 'Spring Launch', 'Hello there');
  await data('red sky', 'Spring Launch', null);
  await data('green field', 'Autumn sale', null);
});
afterAll(() => app.stop());

async function list(path: string, field: string): Promise<string[]> {
  const res = await api(app).get(path).expect(200);
  return res.body.results.map((r: Record<string, string>) => r[field]);
}
const titles = (query: string) => list(`/api/campaigns/?${query}`, 'title');
const messages = (query: string) => list(`/api/chats/?${query}`, 'message');
const contexts = (query: string) => list(`/api/datas/?${query}`, 'context');
const byId = (...keys: string[]) => [...keys].sort((a, b) => (id[a] < id[b] ? -1 : 1));

describe('?search=', () => {
  it('matches any campaign field as a case-insensitive substring', async () => {
    expect(await titles('search=LAUNCH')).toEqual(['Spring Launch', 'Autumn sale']);
    expect(await titles('search=aunc')).toEqual(['Spring Launch', 'Autumn sale']);
    expect(await titles('search=Completed')).toEqual(['Zebra done']);
  });

  it('requires every term, split on whitespace and commas, to match some field', async () => {
    expect(await titles('search=spring%20launch')).toEqual(['Spring Launch']);
    expect(await titles('search=launch,%20party')).toEqual(['Autumn sale']);
    expect(await titles('search=spring,party')).toEqual([]);
  });

  it('treats % _ and \\ in a term as plain characters', async () => {
    expect(await titles('search=100%25')).toEqual(['100% off']);
    expect(await titles('search=%25')).toEqual(['100% off']);
    expect(await titles('search=a_b')).toEqual(['a_b']);
    expect(await titles('search=_')).toEqual(['a_b']);
    expect(await titles('search=%5C')).toEqual(['back\\slash']);
  });

  it('finds nothing for SQL-looking text and everything for an empty search', async () => {
    expect(await titles(`search=${encodeURIComponent("' OR 1=1 --")}`)).toEqual([]);
    expect(await titles('search=')).toHaveLength(CAMPAIGNS.length);
  });

  it('searches chats by message and author, datas by context', async () => {
    expect(await messages('search=AI')).toEqual(['Greetings', 'said hi']);
    expect(await messages('search=hello')).toEqual(['Hello there']);
    expect(await contexts('search=SKY')).toEqual(byId('Blue sky', 'red sky'));
    expect(await contexts('search=sky%20blue')).toEqual(['Blue sky']);
  });
});

describe('?ordering=', () => {
  it('orders campaigns by an allowed field, ascending or with - descending', async () => {
    expect(await titles('search=launch')).toEqual(['Spring Launch', 'Autumn sale']);
    expect(await titles('search=launch&ordering=title')).toEqual(['Autumn sale', 'Spring Launch']);
    expect(await titles('search=launch&ordering=created_at')).toEqual(['Autumn sale', 'Spring Launch']);
    expect(await titles('search=launch&ordering=-title')).toEqual(['Spring Launch', 'Autumn sale']);
  });

  it('takes several comma-separated fields', async () => {
    expect(await titles('search=done&ordering=created_at,title')).toEqual(['Yak done', 'Zebra done']);
    expect(await titles('search=done&ordering=created_at,-title')).toEqual(['Zebra done', 'Yak done']);
  });

  it('orders by updated_at, which any update advances', async () => {
    await api(app).patch(`/api/campaigns/${id['Yak done']}/`).send({}).expect(200);
    expect((await titles('ordering=-updated_at'))[0]).toBe('Yak done');
    expect((await titles('ordering=updated_at')).at(-1)).toBe('Yak done');
  });

  const NEWEST_FIRST = ['Spring Launch', 'Autumn sale'];
  const BY_TITLE = ['Autumn sale', 'Spring Launch'];
  it.each([
    ['-password,title', BY_TITLE],
    ['password', NEWEST_FIRST],
    ['title;DROP TABLE campaigns', NEWEST_FIRST],
    ["title' --", NEWEST_FIRST],
    ['-', NEWEST_FIRST],
    [',,', NEWEST_FIRST],
    // regression: inherited object keys once reached the SQL as a column
    ['constructor', NEWEST_FIRST],
    ['__proto__,-toString', NEWEST_FIRST],
    ['title,title,-title', BY_TITLE],
  ])('ignores fields it does not allow (%s), never failing', async (ordering, expected) => {
    expect(await titles(`search=launch&ordering=${encodeURIComponent(ordering)}`)).toEqual(expected);
  });

  it('orders chats by created_at and datas by id; other fields are ignored', async () => {
    const oldestFirst = ['Hello there', 'Greetings', 'said hi', 'Buy now'];
    expect(await messages('ordering=-created_at')).toEqual([...oldestFirst].reverse());
    expect(await messages('ordering=message')).toEqual(oldestFirst);
    const ascending = byId('Blue sky', 'red sky', 'green field');
    expect(await contexts('ordering=-id')).toEqual([...ascending].reverse());
    expect(await contexts('ordering=context')).toEqual(ascending);
  });
});

describe('filters', () => {
  it('filter chats by campaign and by author, together or alone', async () => {
    expect(await messages(`campaign=${id['Spring Launch']}`)).toEqual(['Hello there', 'Greetings', 'said hi']);
    expect(await messages('author=human')).toEqual(['Hello there', 'Buy now']);
    expect(await messages(`campaign=${id['Spring Launch']}&author=human`)).toEqual(['Hello there']);
  });

  it('filter datas by campaign and by chat', async () => {
    expect(await contexts(`campaign=${id['Spring Launch']}`)).toEqual(byId('Blue sky', 'red sky'));
    expect(await contexts(`chat=${id['Hello there']}`)).toEqual(['Blue sky']);
    expect(await contexts(`campaign=${id['Autumn sale']}&search=sky`)).toEqual([]);
  });

  it('filter campaigns by status', async () => {
    expect(await titles('status=started')).toEqual(['Spring Launch']);
    expect(await titles('status=processing')).toEqual([]);
  });

  it('ignore query parameters they do not know', async () => {
    expect(await titles('colour=blue')).toHaveLength(CAMPAIGNS.length);
  });

  it.each([
    ['/api/chats/?campaign=abc', 'campaign'],
    ['/api/chats/?author=bob', 'author'],
    ['/api/datas/?campaign=1', 'campaign'],
    ['/api/datas/?chat=not-a-uuid', 'chat'],
    ['/api/campaigns/?status=bob', 'status'],
  ])('a malformed filter value (%s) is a 400 keyed by the filter', async (path, field) => {
    const res = await api(app).get(path).expect(400);
    expect(res.body).toEqual({ [field]: [expect.any(String)] });
  });

  it('a choice filter names the bad value as DRF does', async () => {
    await api(app)
      .get('/api/campaigns/?status=bob')
      .expect(400, { status: ['"bob" is not a valid choice.'] });
  });
});
