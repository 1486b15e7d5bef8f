import type { EventRow } from './event.store';

/**
 * The id of the last event delivered to each room, so a socket joining a quiet room skips
 * the query for what it missed. Bounded: past `max` rooms it forgets them all and keeps
 * only a floor that no forgotten room's last event is above.
 */
export class RoomMarks {
  private readonly marks = new Map<string, bigint>();
  private floor = 0n;

  constructor(private readonly max = 10_000) {}

  /** Nothing is known about rooms below `floor`: every room may have an event up to it. */
  reset(floor: bigint): void {
    this.marks.clear();
    this.floor = floor;
  }

  /** Records a delivered batch; `before` is the position the batch was read after. */
  record(rows: EventRow[], before: bigint): void {
    if (this.marks.size > this.max) this.reset(before);
    // a replay's tail never reads deltas (open streams come as snapshots): they leave a room quiet
    for (const r of rows) if (r.op !== 'delta') this.marks.set(r.campaign_id, BigInt(r.id));
  }

  /** True when the room certainly got no event (but deltas) after `id`. */
  quietAfter(campaignId: string, id: bigint): boolean {
    return (this.marks.get(campaignId) ?? this.floor) <= id;
  }
}
