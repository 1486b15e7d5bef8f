/** This instance's sockets in each campaign room, known here exactly: socket id → member. */
export class LocalSockets {
  private readonly rooms = new Map<string, Map<string, string>>();

  add(campaign: string, socketId: string, member: string): void {
    const sockets = this.rooms.get(campaign) ?? new Map<string, string>();
    this.rooms.set(campaign, sockets.set(socketId, member));
  }

  /** Takes the socket out of the room; returns its member, or undefined when it was not in it. */
  remove(campaign: string, socketId: string): string | undefined {
    const sockets = this.rooms.get(campaign);
    const member = sockets?.get(socketId);
    sockets?.delete(socketId);
    return member;
  }

  /** Whether any socket of this instance is in the room. */
  occupied(campaign: string): boolean {
    return Boolean(this.rooms.get(campaign)?.size);
  }

  forget(campaign: string): void {
    this.rooms.delete(campaign);
  }

  /** The member's sockets in the room. */
  socketsOf(campaign: string, member: string): string[] {
    return this.sockets(campaign)
      .filter(([, m]) => m === member)
      .map(([id]) => id);
  }

  /** The room's sockets, as [socket id, member]. */
  sockets(campaign: string): [string, string][] {
    return [...(this.rooms.get(campaign) ?? [])];
  }

  /** Every socket of every room, as [campaign, socket id, member]. */
  *all(): Iterable<[string, string, string]> {
    for (const [campaign, sockets] of this.rooms) {
      for (const [socketId, member] of sockets) yield [campaign, socketId, member];
    }
  }
}
