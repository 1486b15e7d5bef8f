import type { ChatRep, DataRep } from '../realtime/protocol';
import type { RoomEvent } from './types';

/** Cursors are decimal event ids; compared as BigInt, since they outgrow a JS number. */
export const isAfter = (cursor: string, than: string | undefined): boolean =>
  than === undefined || BigInt(cursor) > BigInt(than);

/** The later of two cursors: a room's cursor never goes backwards. */
export const laterCursor = (a: string | undefined, b: string): string => (isAfter(b, a) ? b : (a as string));

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
  private readonly chats = new Map<string, ChatRep>();
  private readonly fromLive = new Set<string>();
  private readonly tombstones = new Set<string>();
  /** The last live version of every data seen live (null: deleted), for chats that arrive later. */
  private readonly liveDatas = new Map<string, DataRep | null>();
  private ordered: ChatRep[] = [];
  private snapshot?: readonly ChatRep[];

  /** The chats in order; a new array after each change, the same one otherwise. */
  get list(): readonly ChatRep[] {
    return (this.snapshot ??= Object.freeze(this.ordered.slice()));
  }

  get size(): number {
    return this.ordered.length;
  }

  has(id: string): boolean {
    return this.chats.has(id);
  }

  /** Applies one live event; returns whether the chats changed. */
  apply(event: RoomEvent): boolean {
    switch (event.name) {
      case 'chat:created':
      case 'chat:updated':
        this.tombstones.delete(event.data.id);
        this.fromLive.add(event.data.id);
        return this.put(event.data);
      case 'chat:deleted':
        this.tombstones.add(event.data.id);
        this.fromLive.delete(event.data.id);
        return this.remove(event.data.id);
      case 'data:created':
      case 'data:updated':
        this.liveDatas.set(event.data.id, event.data);
        return this.placeData(event.data.id, event.data);
      case 'data:deleted':
        this.liveDatas.set(event.data.id, null);
        return this.placeData(event.data.id, null);
      default:
        return false;
    }
  }

  /** Merges a history page; returns whether the chats changed. */
  mergeHistory(page: readonly ChatRep[]): boolean {
    let changed = false;
    for (const chat of page) {
      if (this.tombstones.has(chat.id) || this.fromLive.has(chat.id)) continue;
      changed = this.put(this.withLiveDatas(chat)) || changed;
    }
    return changed;
  }

  /** The chat's datas as live events left them: moved or deleted ones out, newer versions in. */
  private withLiveDatas(chat: ChatRep): ChatRep {
    if (!this.liveDatas.size) return chat;
    const kept = chat.datas.filter((d) => !this.liveDatas.has(d.id));
    const live = [...this.liveDatas.values()].filter((d): d is DataRep => d?.chat === chat.id);
    return { ...chat, datas: [...kept, ...live].sort(byId) };
  }

  /** Moves a data to the chat it now belongs to (or nowhere), wherever it was. */
  private placeData(id: string, data: DataRep | null): boolean {
    let changed = false;
    for (const chat of this.ordered) {
      if (chat.id !== data?.chat && chat.datas.some((d) => d.id === id)) {
        changed = this.put({ ...chat, datas: chat.datas.filter((d) => d.id !== id) }) || changed;
      }
    }
    const owner = data?.chat ? this.chats.get(data.chat) : undefined;
    if (owner && data) {
      const datas = [...owner.datas.filter((d) => d.id !== id), data].sort(byId);
      changed = this.put({ ...owner, datas }) || changed;
    }
    return changed;
  }

  /** Inserts or replaces a chat at its place in the order (a late commit lands behind newer chats). */
  private put(chat: ChatRep): boolean {
    const old = this.chats.get(chat.id);
    if (old && JSON.stringify(old) === JSON.stringify(chat)) return false;
    if (old) this.ordered.splice(this.indexOf(old), 1);
    this.ordered.splice(this.insertionPoint(chat), 0, chat);
    this.chats.set(chat.id, chat);
    this.snapshot = undefined;
    return true;
  }

  private remove(id: string): boolean {
    const old = this.chats.get(id);
    if (!old) return false;
    this.ordered.splice(this.indexOf(old), 1);
    this.chats.delete(id);
    this.snapshot = undefined;
    return true;
  }

  /** Binary search for the first chat that sorts after `chat`. */
  private insertionPoint(chat: ChatRep): number {
    let [lo, hi] = [0, this.ordered.length];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareChats(this.ordered[mid], chat) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private indexOf(chat: ChatRep): number {
    const at = this.insertionPoint(chat) - 1;
    return this.ordered[at] === chat ? at : this.ordered.indexOf(chat);
  }
}
