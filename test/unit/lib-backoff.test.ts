import { backoffMs } from '../../src/lib/backoff';

describe('backoffMs', () => {
  it('doubles from the base with each attempt, up to the cap', () => {
    const all = () => 1;
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, 100, 1_000, all))).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('waits between half and all of the ceiling, as the random draw says', () => {
    expect(backoffMs(3, 100, 5_000, () => 0)).toBe(200);
    expect(backoffMs(3, 100, 5_000, () => 0.5)).toBe(300);
    expect(backoffMs(3, 100, 5_000, () => 0.999)).toBe(400);
    for (let i = 0; i < 100; i++) {
      const delay = backoffMs(3, 100, 5_000);
      expect(delay).toBeGreaterThanOrEqual(200);
      expect(delay).toBeLessThanOrEqual(400);
    }
  });

  it('stays at the cap however many attempts failed (no overflow to Infinity or NaN)', () => {
    expect(backoffMs(10_000, 100, 5_000, () => 1)).toBe(5_000);
    expect(backoffMs(10_000, 0, 5_000, () => 1)).toBe(0);
  });
});
