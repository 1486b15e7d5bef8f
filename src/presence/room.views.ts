import type { PresenceEntry } from '../protocol';

export type { PresenceEntry };

/** A member's first connection in a room entered (`join`), or its last one left (`leave`). */
export interface PresenceChange {
  kind: 'join' | 'leave';
  campaign: string;
  member: string;
}

/** A connection anywhere: `<instance> <socket id>`. */
export const connectionKey = (instance: string, socketId: string) => `${instance} ${socketId}`;

type Members = Map<string, Set<string>>;

/**
 * Who is in each room this instance has local sockets in, on every instance: member →
 * its connections. Changes report the member-level joins and leaves they cause, so a
 * member with two tabs on two instances is one member, leaving when both are gone.
 */
export class RoomViews {
  private readonly rooms = new Map<string, Members>();

  has(campaign: string): boolean {
    return this.rooms.has(campaign);
  }

  campaigns(): string[] {
    return [...this.rooms.keys()];
  }

  open(campaign: string): void {
    if (!this.rooms.has(campaign)) this.rooms.set(campaign, new Map());
  }

  close(campaign: string): void {
    this.rooms.delete(campaign);
  }

  /** True when this is the member's first connection in the room. */
  add(campaign: string, member: string, key: string): boolean {
    const members = this.rooms.get(campaign);
    if (!members) return false;
    const conns = members.get(member) ?? new Set<string>();
    const first = conns.size === 0;
    conns.add(key);
    members.set(member, conns);
    return first;
  }

  /** True when that was the member's last connection in the room. */
  remove(campaign: string, member: string, key: string): boolean {
    const conns = this.rooms.get(campaign)?.get(member);
    if (!conns?.delete(key)) return false;
    if (conns.size) return false;
    this.rooms.get(campaign)?.delete(member);
    return true;
  }

  /** Drops from these rooms every connection of an instance that is gone; returns the members that left. */
  dropInstance(instance: string, campaigns: Iterable<string>): PresenceChange[] {
    const changes: PresenceChange[] = [];
    for (const campaign of campaigns) {
      const members = this.rooms.get(campaign);
      if (!members) continue;
      for (const [member, conns] of members) {
        for (const key of conns) if (key.startsWith(`${instance} `)) conns.delete(key);
        if (conns.size) continue;
        members.delete(member);
        changes.push({ kind: 'leave', campaign, member });
      }
    }
    return changes;
  }

  /** Replaces a room's state with a fresh reading; returns the joins and leaves between the two. */
  replace(campaign: string, entries: { member: string; key: string }[]): PresenceChange[] {
    const before = this.rooms.get(campaign) ?? new Map();
    const after: Members = new Map();
    for (const { member, key } of entries) after.set(member, (after.get(member) ?? new Set()).add(key));
    this.rooms.set(campaign, after);
    const changes: PresenceChange[] = [];
    for (const member of after.keys()) if (!before.has(member)) changes.push({ kind: 'join', campaign, member });
    for (const member of before.keys()) if (!after.has(member)) changes.push({ kind: 'leave', campaign, member });
    return changes;
  }

  list(campaign: string): PresenceEntry[] {
    return [...(this.rooms.get(campaign) ?? new Map<string, Set<string>>())].map(([user, conns]) => ({
      user,
      connections: conns.size,
    }));
  }
}
