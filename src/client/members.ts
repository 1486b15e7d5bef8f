import { TYPING_EXPIRY_MS, type PresenceEntry } from '../realtime/protocol';

/**
 * Who is in a room: the subscribe answer's list (authoritative: it already includes every
 * join and leave sent before it), then kept current by `presence:join` / `presence:leave`.
 * Both are applied idempotently, so a join the answer already counted changes nothing.
 * `connections` is as the last answer counted it (1 for a member who joined since): joins
 * and leaves tell only of a member's first and last connection.
 */
export class Members {
  private entries: readonly PresenceEntry[] = [];

  get list(): readonly PresenceEntry[] {
    return this.entries;
  }

  /** Returns whether the list changed; a new array when it did, the same one otherwise. */
  replace(entries: readonly PresenceEntry[]): boolean {
    const same =
      entries.length === this.entries.length &&
      entries.every((e, i) => e.user === this.entries[i].user && e.connections === this.entries[i].connections);
    if (!same) this.entries = entries.map(({ user, connections }) => ({ user, connections }));
    return !same;
  }

  join(user: string): boolean {
    if (this.entries.some((e) => e.user === user)) return false;
    this.entries = [...this.entries, { user, connections: 1 }];
    return true;
  }

  leave(user: string): boolean {
    const rest = this.entries.filter((e) => e.user !== user);
    if (rest.length === this.entries.length) return false;
    this.entries = rest;
    return true;
  }
}

/**
 * Who is typing in a room now: a `true` holds for TYPING_EXPIRY_MS unless refreshed, in case
 * the server's `false` never comes (a lost connection, say); then `expired` is called.
 */
export class Typers {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private users: readonly string[] = [];

  constructor(private readonly expired: (user: string) => void) {}

  get list(): readonly string[] {
    return this.users;
  }

  /** Returns whether the list changed. */
  set(user: string, typing: boolean): boolean {
    clearTimeout(this.timers.get(user));
    this.timers.delete(user);
    const had = this.users.includes(user);
    if (typing) {
      const timer = setTimeout(() => this.set(user, false) && this.expired(user), TYPING_EXPIRY_MS);
      // in Node, a typer must not keep the process alive
      (timer as { unref?: () => void }).unref?.();
      this.timers.set(user, timer);
      if (!had) this.users = [...this.users, user];
      return !had;
    }
    if (had) this.users = this.users.filter((u) => u !== user);
    return had;
  }

  clear(): void {
    this.timers.forEach(clearTimeout);
    this.timers.clear();
    this.users = [];
  }
}
