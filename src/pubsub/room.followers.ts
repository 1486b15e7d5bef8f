import type { ChangeEvent } from './event.store';

/** An in-process reader of one room (a server-sent events response), not a socket. */
export interface RoomFollower {
  /** A batch of the room's events, in commit order. Synchronous, like the rooms' delivery. */
  deliver(events: ChangeEvent[]): void;
  /** No more events will come: the room lost events on this instance (`gap`), or the feed stopped. */
  end(reason: 'gap' | 'stopped'): void;
}

/**
 * The followers of each room, handed the batches the feed delivers. A follower that throws
 * is reported and never stops a delivery: the feed would read the batch again, and every
 * room would get it twice.
 */
export class RoomFollowers {
  private readonly rooms = new Map<string, Set<RoomFollower>>();

  constructor(private readonly onError: (err: unknown, context: string) => void) {}

  add(campaignId: string, follower: RoomFollower): void {
    (this.rooms.get(campaignId) ?? this.rooms.set(campaignId, new Set()).get(campaignId))!.add(follower);
  }

  remove(campaignId: string, follower: RoomFollower): void {
    const room = this.rooms.get(campaignId);
    if (room?.delete(follower) && !room.size) this.rooms.delete(campaignId);
  }

  /** Followers attached now, in every room. */
  get size(): number {
    let n = 0;
    for (const room of this.rooms.values()) n += room.size;
    return n;
  }

  /** Hands each room's followers that room's events of the batch. */
  deliver(events: ChangeEvent[]): void {
    if (!this.rooms.size) return;
    const byRoom = new Map<string, ChangeEvent[]>();
    for (const e of events) {
      if (this.rooms.has(e.campaign)) (byRoom.get(e.campaign) ?? byRoom.set(e.campaign, []).get(e.campaign))!.push(e);
    }
    // a copy: a follower may stop itself on what it reads
    for (const [campaign, batch] of byRoom)
      for (const f of [...(this.rooms.get(campaign) ?? [])]) this.tell(() => f.deliver(batch));
  }

  /** Ends and forgets every follower, each told once. */
  endAll(reason: 'gap' | 'stopped'): void {
    const all = [...this.rooms.values()].flatMap((room) => [...room]);
    this.rooms.clear();
    for (const f of all) this.tell(() => f.end(reason));
  }

  private tell(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.onError(err, 'a room follower failed');
    }
  }
}
