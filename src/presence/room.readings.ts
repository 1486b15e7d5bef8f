import type { PresenceOp } from './presence.messages';
import type { ConnectionRow } from './presence.store';

/** A remote operation that arrived while its room was being read, applied after the reading. */
export type Pending = { from: string; op: PresenceOp } | { gone: string };

export interface ReadingsOptions {
  /** Reads the connections of these rooms from the table. */
  read(campaigns: string[]): Promise<ConnectionRow[]>;
  /** A room's reading is over: its rows (undefined when it failed), then what arrived meanwhile. */
  settle(campaign: string, rows: ConnectionRow[] | undefined, pending: Pending[]): void;
  /** Whether the room is still open here (a failed reading is retried only then). */
  open(campaign: string): boolean;
  onError: (err: unknown, context: string) => void;
  retryMs?: number;
}

interface Reading {
  token: object;
  pending: Pending[];
  done: Promise<void>;
}

/**
 * Readings of rooms' connections from the presence table. Operations that arrive for a room
 * while it is being read wait, and are applied after the reading, in arrival order.
 */
export class RoomReadings {
  private readonly readings = new Map<string, Reading>();
  private stopped = false;

  constructor(private readonly opts: ReadingsOptions) {}

  /** Reads these rooms; a newer reading of a room supersedes an older one still under way. */
  start(campaigns: string[]): void {
    if (!campaigns.length || this.stopped) return;
    const token = {};
    const done = this.opts.read(campaigns).then(
      (rows) => this.done(campaigns, token, rows),
      (err) => {
        this.opts.onError(err, 'reading presence failed');
        this.done(campaigns, token, undefined);
        const retry = () => this.start(campaigns.filter((c) => this.opts.open(c)));
        setTimeout(retry, this.opts.retryMs ?? 1_000).unref();
      },
    );
    for (const campaign of campaigns) this.readings.set(campaign, { token, pending: [], done });
  }

  /** Resolves once no reading of the room is under way. */
  async settled(campaign: string): Promise<void> {
    for (let r = this.readings.get(campaign); r; r = this.readings.get(campaign)) await r.done;
  }

  underway(campaign: string): boolean {
    return this.readings.has(campaign);
  }

  /** Holds `op` back if the room is being read; false when it may be applied now. */
  defer(campaign: string, pending: Pending): boolean {
    const reading = this.readings.get(campaign);
    reading?.pending.push(pending);
    return reading !== undefined;
  }

  /** Holds `pending` back in every room being read. */
  deferAll(pending: Pending): void {
    for (const reading of this.readings.values()) reading.pending.push(pending);
  }

  forget(campaign: string): void {
    this.readings.delete(campaign);
  }

  stop(): void {
    this.stopped = true;
  }

  private done(campaigns: string[], token: object, rows: ConnectionRow[] | undefined): void {
    for (const campaign of campaigns) {
      const reading = this.readings.get(campaign);
      if (reading?.token !== token) continue; // closed, or a newer reading is under way
      this.readings.delete(campaign);
      this.opts.settle(campaign, rows, reading.pending);
    }
  }
}
