import { TYPING_EXPIRY_MS, type PresenceEntry } from '../protocol';

/**
 * Who is in a room: the subscribe answer's list (authoritative: it already includes every
 * join and leave sent before it), then kept current by `presence:join` / `presence:leave`.
 * Both are applied idempotently, so a join the answer already counted changes nothing.
 * `connections` is as the last answer counted it (1 for a member who joined since): joins
 * and leaves tell only of a member's first and last connection.
 */
export class Members {
  /**
   * Connections by user, in the list's order: the answer's, then joins at the end. A count,
   * not an entry object per member: a client in a big room keeps one per member.
   */
  readonly #connections = new Map<string, number>();
  #snapshot?: readonly PresenceEntry[];

  /** A new array after each change, the same one otherwise; built when read, not per join. */
  get list(): readonly PresenceEntry[] {
    return (this.#snapshot ??= Array.from(this.#connections, ([user, connections]) => ({ user, connections })));
  }

  /** Returns whether the list changed. */
  replace(entries: readonly PresenceEntry[]): boolean {
    if (this.#holds(entries)) return false;
    this.#connections.clear();
    for (const { user, connections } of entries) this.#connections.set(user, connections);
    this.#snapshot = undefined;
    return true;
  }

  /** Whether the list is `entries` already, in the same order (no list built to compare). */
  #holds(entries: readonly PresenceEntry[]): boolean {
    if (entries.length !== this.#connections.size) return false;
    let i = 0;
    for (const [user, connections] of this.#connections) {
      const entry = entries[i++];
      if (entry.user !== user || entry.connections !== connections) return false;
    }
    return true;
  }

  join(user: string): boolean {
    if (this.#connections.has(user)) return false;
    this.#connections.set(user, 1);
    this.#snapshot = undefined;
    return true;
  }

  leave(user: string): boolean {
    if (!this.#connections.delete(user)) return false;
    this.#snapshot = undefined;
    return true;
  }
}

/**
 * Who is typing in a room now: a `true` holds for TYPING_EXPIRY_MS unless refreshed, in case
 * the server's `false` never comes (a lost connection, say); then `expired` is called.
 */
export class Typers {
  /** The typing users, in the order they started, each with the timer that ends their `true`. */
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  #snapshot?: readonly string[];

  constructor(private readonly expired: (user: string) => void) {}

  get list(): readonly string[] {
    return (this.#snapshot ??= [...this.#timers.keys()]);
  }

  /** Returns whether the list changed. */
  set(user: string, typing: boolean): boolean {
    const had = this.#timers.has(user);
    clearTimeout(this.#timers.get(user));
    if (typing) {
      const timer = setTimeout(() => this.set(user, false) && this.expired(user), TYPING_EXPIRY_MS);
      // in Node, a typer must not keep the process alive
      (timer as { unref?: () => void }).unref?.();
      this.#timers.set(user, timer); // a user already typing keeps their place
    } else {
      this.#timers.delete(user);
    }
    if (had !== typing) this.#snapshot = undefined;
    return had !== typing;
  }

  clear(): void {
    this.#timers.forEach(clearTimeout);
    this.#timers.clear();
    this.#snapshot = undefined;
  }
}
