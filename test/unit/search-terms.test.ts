import { searchTerms } from '../../src/schemas/common';

describe('searchTerms', () => {
  it('no search, or a blank one, is no terms', () => {
    expect(searchTerms(undefined)).toEqual([]);
    expect(searchTerms('')).toEqual([]);
    expect(searchTerms('  ,\t, \n')).toEqual([]);
  });

  it('terms are split on whitespace and commas, as DRF splits them', () => {
    expect(searchTerms('spring launch')).toEqual(['spring', 'launch']);
    expect(searchTerms('a,b c\td\ne')).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('runs of separators, and separators at either end, make no empty terms', () => {
    expect(searchTerms(' ,alpha,, ,beta , ')).toEqual(['alpha', 'beta']);
  });

  it('a term repeated counts once, in the first place it appears', () => {
    expect(searchTerms('beta alpha beta alpha')).toEqual(['beta', 'alpha']);
    expect(searchTerms(Array(2_000).fill('alpha').join(','))).toEqual(['alpha']);
  });

  it('terms differing only in case are one term (ILIKE ignores case): the first spelling is kept', () => {
    expect(searchTerms('Alpha ALPHA alpha beta')).toEqual(['Alpha', 'beta']);
    expect(searchTerms('Ärger ärger')).toEqual(['Ärger']);
  });

  it('NUL characters are removed (Postgres cannot hold them), joining what they split', () => {
    expect(searchTerms('al\0pha')).toEqual(['alpha']);
    expect(searchTerms('\0 \0')).toEqual([]);
  });

  it("LIKE's wildcards are kept as typed: escaping them is the query's job", () => {
    expect(searchTerms('50%_off back\\slash')).toEqual(['50%_off', 'back\\slash']);
  });
});
