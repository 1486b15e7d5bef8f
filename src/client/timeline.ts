import type { ChatDelta, ChatRep, DataRep } from '../protocol';
import type { RoomEvent } from './types';

// the cursor helpers are the protocol's; re-exported where the client's tests and users found them
export { isAfter, laterCursor } from '../protocol';

/** The history endpoint's order: created_at, then id (ISO strings and UUIDs both sort as text). */
export function compareChats(a: ChatRep, b: ChatRep): number {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * A room's chats: history and live events merged by id, in history order. Pure: no I/O and
 * no timers, so the merge rules are tested on their own.
 *
 * Live events arrive in commit order and always win. History is a snapshot taken at some
 * moment after the room's cursor, so it may be older than live events already applied: it
 * never overwrites a chat a live event wrote, never brings back one a live event deleted
 * (tombstones), and gets the datas that live events changed laid over it.
 */
export class Timeline {
  // both made on first use: a room that never loads history or sees a delete has neither to
  // look at per live event
  /** The chats only history has brought so far: the ones a newer history page may overwrite. */
  #fromHistory?: Set<string>;
  #tombstones?: Set<string>;
  /** The last live version of every data seen live (null: deleted), for chats that arrive later. */
  readonly #liveDatas = new Map<string, DataRep | null>();
  /** The chats by created_at then id; a chat's place never moves, since its created_at never changes. */
  #ordered: ChatRep[] = [];
  #snapshot?: readonly ChatRep[];

  /** `campaign`: the room's id, which every chat in it repeats; one copy of it is kept. */
  constructor(private readonly campaign?: string) {}

  /** The chats in order; a new array after each change, the same one otherwise. */
  get list(): readonly ChatRep[] {
    return (this.#snapshot ??= Object.freeze(this.#ordered.slice()));
  }

  get size(): number {
    return this.#ordered.length;
  }

  /** Applies one live event; returns whether the chats changed. */
  apply(event: RoomEvent): boolean {
    switch (event.name) {
      case 'chat:created':
      case 'chat:updated':
        this.#tombstones?.delete(event.data.id);
        this.#fromHistory?.delete(event.data.id);
        return this.#put(event.data);
      case 'chat:deleted':
        (this.#tombstones ??= new Set()).add(event.data.id);
        this.#fromHistory?.delete(event.data.id);
        return this.#remove(event.data.id);
      case 'data:created':
      case 'data:updated':
        this.#liveDatas.set(event.data.id, event.data);
        return this.#placeData(event.data.id, event.data);
      case 'data:deleted':
        this.#liveDatas.set(event.data.id, null);
        return this.#placeData(event.data.id, null);
      default:
        return false;
    }
  }

  /**
   * Places a streaming chat's new text at its offset; returns the chat as it is now, or
   * undefined when nothing changed: a duplicate (its text is held already), a chat this
   * timeline does not hold, or a delta past the end (the chat's next event makes it whole).
   */
  applyDelta({ id, offset, text }: ChatDelta): ChatRep | undefined {
    const at = this.#indexOf(id);
    const chat = this.#ordered[at];
    if (!chat || offset + text.length <= chat.message.length || offset > chat.message.length) return undefined;
    this.#ordered[at] = { ...chat, message: chat.message.slice(0, offset) + text };
    this.#snapshot = undefined;
    return this.#ordered[at];
  }

  /** Merges a history page; returns whether the chats changed. */
  mergeHistory(page: readonly ChatRep[]): boolean {
    let changed = false;
    for (const chat of page) {
      // a chat in the list that history did not bring came live: live versions win
      if (this.#tombstones?.has(chat.id) || (this.#find(chat) && !this.#fromHistory?.has(chat.id))) continue;
      (this.#fromHistory ??= new Set()).add(chat.id);
      changed = this.#put(this.#withLiveDatas(chat)) || changed;
    }
    return changed;
  }

  /** The chat's datas as live events left them: moved or deleted ones out, newer versions in. */
  #withLiveDatas(chat: ChatRep): ChatRep {
    if (!this.#liveDatas.size) return chat;
    const kept = chat.datas.filter((d) => !this.#liveDatas.has(d.id));
    const live = [...this.#liveDatas.values()].filter((d): d is DataRep => d?.chat === chat.id);
    return { ...chat, datas: [...kept, ...live].sort(byId) };
  }

  /** Moves a data to the chat it now belongs to (or nowhere), wherever it was. */
  #placeData(id: string, data: DataRep | null): boolean {
    let changed = false;
    let owner: ChatRep | undefined;
    for (const chat of this.#ordered) {
      if (chat.id === data?.chat) owner = chat;
      else if (chat.datas.some((d) => d.id === id)) {
        changed = this.#put({ ...chat, datas: chat.datas.filter((d) => d.id !== id) }) || changed;
      }
    }
    if (owner && data) {
      const datas = [...owner.datas.filter((d) => d.id !== id), data].sort(byId);
      changed = this.#put({ ...owner, datas }) || changed;
    }
    return changed;
  }

  /** Inserts or replaces a chat at its place in the order (a late commit lands behind newer chats). */
  #put(chat: ChatRep): boolean {
    // a room holds thousands of chats, each repeating the room's id: one copy is kept (same value)
    if (chat.campaign === this.campaign) chat.campaign = this.campaign;
    const at = this.#position(chat);
    const old = this.#ordered[at]?.id === chat.id ? this.#ordered[at] : undefined;
    if (old && JSON.stringify(old) === JSON.stringify(chat)) return false;
    if (old) this.#ordered[at] = chat;
    else if (at === this.#ordered.length) this.#ordered.push(chat);
    else this.#ordered.splice(at, 0, chat);
    this.#snapshot = undefined;
    return true;
  }

  /** Deletes and deltas name only the id: searched from the newest end, where they mostly are. */
  #indexOf(id: string): number {
    let at = this.#ordered.length - 1;
    while (at >= 0 && this.#ordered[at].id !== id) at--;
    return at;
  }

  #remove(id: string): boolean {
    const at = this.#indexOf(id);
    if (at < 0) return false;
    this.#ordered.splice(at, 1);
    this.#snapshot = undefined;
    return true;
  }

  #find(chat: ChatRep): ChatRep | undefined {
    const found = this.#ordered[this.#position(chat)];
    return found?.id === chat.id ? found : undefined;
  }

  /**
   * Binary search for where `chat` is, or else would go: the first chat not before it. Live
   * chats are mostly the newest, so the last one is looked at first. No index by id: hashing
   * each new id into a map of thousands costs more than this, in rooms that only grow.
   */
  #position(chat: ChatRep): number {
    const last = this.#ordered.length - 1;
    if (last < 0 || compareChats(this.#ordered[last], chat) < 0) return last + 1;
    let [lo, hi] = [0, last];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareChats(this.#ordered[mid], chat) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
