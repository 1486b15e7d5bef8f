/** Counts per key that go up and down; a key whose count reaches zero is forgotten. */
export class RefCounts<K = string> {
  private readonly counts = new Map<K, number>();

  /** The key's count now, 0 when it holds none. */
  get(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  has(key: K): boolean {
    return this.counts.has(key);
  }

  /** Counts one more for the key; returns its count now. */
  add(key: K): number {
    const count = this.get(key) + 1;
    this.counts.set(key, count);
    return count;
  }

  /** Counts one less for the key (never below zero); returns what is left. */
  release(key: K): number {
    const left = Math.max(0, this.get(key) - 1);
    if (left > 0) this.counts.set(key, left);
    else this.counts.delete(key);
    return left;
  }
}
