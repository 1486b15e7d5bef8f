import { RefCounts } from '../../src/lib/ref-counts';

describe('RefCounts', () => {
  it('counts each key up and down on its own', () => {
    const counts = new RefCounts();
    expect(counts.add('a')).toBe(1);
    expect(counts.add('a')).toBe(2);
    expect(counts.add('b')).toBe(1);
    expect(counts.release('a')).toBe(1);
    expect(counts.get('a')).toBe(1);
    expect(counts.get('b')).toBe(1);
  });

  it('forgets a key whose count reaches zero', () => {
    const counts = new RefCounts();
    counts.add('a');
    expect(counts.has('a')).toBe(true);
    expect(counts.release('a')).toBe(0);
    expect(counts.has('a')).toBe(false);
    expect(counts.get('a')).toBe(0);
  });

  it('never goes below zero when a key is released more often than added', () => {
    const counts = new RefCounts();
    expect(counts.release('never-added')).toBe(0);
    expect(counts.has('never-added')).toBe(false);
    expect(counts.add('never-added')).toBe(1);
  });
});
