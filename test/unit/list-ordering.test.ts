import { NotFoundError } from '../../src/errors';
import { orderBy, parsePage, type ListSpec } from '../../src/services/list';

/** A collection listed as campaigns are: three ordering fields, newest first by default. */
const campaigns: ListSpec = {
  table: 'campaigns',
  alias: 'k',
  json: (k) => `row_to_json(${k})`,
  searchColumns: ['k.title'],
  orderingColumns: { created_at: 'k.created_at', updated_at: 'k.updated_at', title: 'k.title' },
  defaultOrdering: '-created_at',
  filterColumns: {},
  campaignOf: 'k.id',
};

/** One whose whitelist holds the id itself, as datas' does. */
const datas: ListSpec = { ...campaigns, alias: 'd', orderingColumns: { id: 'd.id' }, defaultOrdering: 'id' };

describe('orderBy', () => {
  it('without an ordering the default one is used, with the id tiebreaker in its direction', () => {
    expect(orderBy(campaigns, undefined)).toBe('k.created_at DESC, k.id DESC');
    expect(orderBy(campaigns, '')).toBe('k.created_at DESC, k.id DESC');
  });

  it('a field is ascending, and descending with a leading "-"', () => {
    expect(orderBy(campaigns, 'title')).toBe('k.title ASC, k.id ASC');
    expect(orderBy(campaigns, '-title')).toBe('k.title DESC, k.id DESC');
  });

  it('several fields keep their order; the tiebreaker follows the first one', () => {
    expect(orderBy(campaigns, '-updated_at,title')).toBe('k.updated_at DESC, k.title ASC, k.id DESC');
    expect(orderBy(campaigns, 'title,-updated_at')).toBe('k.title ASC, k.updated_at DESC, k.id ASC');
  });

  it('spaces around a field are ignored', () => {
    expect(orderBy(campaigns, ' -title , created_at ')).toBe('k.title DESC, k.created_at ASC, k.id DESC');
  });

  it('an ordering field outside the whitelist is ignored', () => {
    expect(orderBy(campaigns, 'password,title')).toBe('k.title ASC, k.id ASC');
    expect(orderBy(campaigns, 'k.secret')).toBe('k.created_at DESC, k.id DESC');
  });

  it('an ordering of nothing but unknown fields falls back to the default', () => {
    expect(orderBy(campaigns, 'status,-author')).toBe('k.created_at DESC, k.id DESC');
    expect(orderBy(campaigns, ',,,')).toBe('k.created_at DESC, k.id DESC');
    expect(orderBy(campaigns, '-')).toBe('k.created_at DESC, k.id DESC');
  });

  it('a column name, not its API field, is not an ordering field', () => {
    expect(orderBy(campaigns, 'k.title')).toBe('k.created_at DESC, k.id DESC');
  });

  it('SQL in an ordering never reaches the statement', () => {
    for (const attack of ['title; DROP TABLE campaigns', 'title DESC', '(SELECT 1)', 'title--', 'title)']) {
      expect(orderBy(campaigns, attack)).toBe('k.created_at DESC, k.id DESC');
    }
  });

  it('a field named twice counts once, where it is first named', () => {
    expect(orderBy(campaigns, 'title,-title')).toBe('k.title ASC, k.id ASC');
    expect(orderBy(campaigns, '-created_at,title,created_at')).toBe('k.created_at DESC, k.title ASC, k.id DESC');
  });

  it('names every object has ("constructor", "__proto__", "toString") are not fields', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '-constructor']) {
      expect(orderBy(campaigns, name)).toBe('k.created_at DESC, k.id DESC');
    }
    expect(orderBy(campaigns, '__proto__,title')).toBe('k.title ASC, k.id ASC');
  });

  it('ordering by the id itself adds no second id', () => {
    expect(orderBy(datas, '-id')).toBe('d.id DESC');
    expect(orderBy(datas, undefined)).toBe('d.id ASC');
  });
});

describe('parsePage', () => {
  it('no page is the first page', () => {
    expect(parsePage(undefined)).toBe(1);
  });

  it('a positive whole number or "last" is a page', () => {
    expect(parsePage('1')).toBe(1);
    expect(parsePage('42')).toBe(42);
    expect(parsePage('007')).toBe(7);
    expect(parsePage('999999999')).toBe(999_999_999);
    expect(parsePage('last')).toBe('last');
  });

  it.each([
    ['zero', '0'],
    ['a negative page', '-1'],
    ['a fraction', '1.5'],
    ['an exponent', '1e3'],
    ['a word', 'first'],
    ['"last" in capitals', 'LAST'],
    ['an empty page', ''],
    ['a padded number', ' 2'],
    ['ten digits', '1234567890'],
    ['a page given twice (?page=1&page=2)', ['1', '2']],
    ['a number that did not come from a query string', 2],
  ])('%s is an invalid page: 404', (_what, raw) => {
    expect(() => parsePage(raw)).toThrow(NotFoundError);
    expect(() => parsePage(raw)).toThrow('Invalid page.');
  });
});
