import type { EventRow } from './event.store';

/**
 * The chats streaming in each room as of the feed's position, followed from the log (a
 * chat's created event says it streams, its updated event that it ended): a socket joining a
 * room with none skips the query for their snapshots.
 */
export class OpenStreams {
  private readonly rooms = new Map<string, Set<string>>();

  /** Starts over from the cluster's open streams, read at or after the position. */
  reset(open: { campaign_id: string; id: string }[]): void {
    this.rooms.clear();
    for (const { campaign_id, id } of open) this.add(campaign_id, id);
  }

  /** Follows a delivered batch. */
  record(rows: EventRow[]): void {
    for (const r of rows) {
      if (r.entity !== 'chat') continue;
      if (r.op === 'created' && r.keys.streaming) this.add(r.campaign_id, r.entity_id);
      else if ((r.op === 'updated' && r.keys.ended) || r.op === 'deleted') this.remove(r.campaign_id, r.entity_id);
    }
  }

  /** Whether the room may have a chat streaming (a false positive costs one query, never a lost snapshot). */
  has(campaignId: string): boolean {
    return this.rooms.has(campaignId);
  }

  private add(campaign: string, chat: string): void {
    (this.rooms.get(campaign) ?? this.rooms.set(campaign, new Set()).get(campaign))!.add(chat);
  }

  private remove(campaign: string, chat: string): void {
    const chats = this.rooms.get(campaign);
    if (chats?.delete(chat) && !chats.size) this.rooms.delete(campaign);
  }
}
