import { randomUUID } from 'node:crypto';
import { RefCounts } from '../lib/ref-counts';
import { decodeMessage, type PresenceOp } from './presence.messages';
import type { ConnectionRow, PresenceStore } from './presence.store';
import { LocalSockets } from './local.sockets';
import { PresenceWriter } from './presence.writer';
import { RoomReadings, type Pending } from './room.readings';
import { connectionKey, RoomViews, type PresenceChange, type PresenceEntry } from './room.views';
import { Typing } from './typing';

/** Emits to this instance's sockets in a campaign room, but those in `except`. */
export type RoomEmit = (
  campaign: string,
  event: 'presence:join' | 'presence:leave' | 'typing',
  payload: { campaign: string; user: string; typing?: boolean },
  except: string[],
) => void;

export interface PresenceOptions {
  store: PresenceStore;
  /** How often this instance proves it is alive, and sweeps those that stopped. */
  heartbeatMs: number;
  /** An instance not seen for this long is gone, with its connections. */
  timeoutMs: number;
  typingExpiryMs: number;
  typingIntervalMs: number;
  onError: (err: unknown, context: string) => void;
  /** Notifications sent and received (metrics). */
  observer?: { sent(n: number): void; received(): void };
}

const campaignOf = (op: PresenceOp) => (op[0] === 't' ? op[1] : op[2]);

/**
 * Who is in this instance's rooms, on every instance, and who is typing there. Local
 * connections are known here exactly; the others come from the presence channel, on top
 * of a reading of the connections table taken when a room opens here and after the LISTEN
 * connection comes back. Operations arriving during a reading are applied after it.
 */
export class Presence {
  readonly instance = randomUUID();
  private readonly goneListeners = new Set<(instances: string[]) => void>();
  private readonly views = new RoomViews();
  private readonly local = new LocalSockets();
  private readonly readings: RoomReadings;
  private readonly holds = new RefCounts();
  private readonly writer: PresenceWriter;
  private readonly typers: Typing;
  private timer?: NodeJS.Timeout;
  /** Emits to this instance's sockets; until the realtime edge attaches, there are none. */
  private emit: RoomEmit = () => undefined;
  private beating?: Promise<void>;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: PresenceOptions) {
    this.readings = new RoomReadings({
      read: (campaigns) => opts.store.rooms(campaigns, this.instance),
      settle: (campaign, rows, pending) => this.settle(campaign, rows, pending),
      open: (campaign) => this.views.has(campaign),
      onError: opts.onError,
    });
    this.writer = new PresenceWriter({
      store: opts.store,
      instance: this.instance,
      onError: opts.onError,
      sent: opts.observer?.sent,
    });
    this.typers = new Typing({
      expiryMs: opts.typingExpiryMs,
      intervalMs: opts.typingIntervalMs,
      send: (campaign, member, typing) => {
        this.show(campaign, member, typing);
        this.writer.push(['t', campaign, member, typing ? 1 : 0]);
      },
      show: (campaign, member, typing) => this.show(campaign, member, typing),
    });
  }

  /** Where presence and typing changes go: the rooms of the Socket.IO server, built after presence. */
  attach(emit: RoomEmit): void {
    this.emit = emit;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.beat();
    this.timer = setInterval(() => this.tick(), this.opts.heartbeatMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.readings.stop();
    clearInterval(this.timer);
    this.typers.stop();
    await this.beating;
    await this.writer.idle();
    this.writer.stop();
    // the others need not wait for the sweep: this instance's connections go now
    if (this.started)
      await this.opts.store.leave(this.instance).catch((err) => this.opts.onError(err, 'leaving presence'));
  }

  /** Opens the room's view here (reading who is in it) before a socket joins; call the release after. */
  async prepare(campaign: string): Promise<() => void> {
    this.holds.add(campaign);
    this.open(campaign);
    await this.readings.settled(campaign);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds.release(campaign);
      this.closeIfUnused(campaign);
    };
  }

  /** Resolves once this instance's presence changes so far are in the table (and notified). */
  written(): Promise<void> {
    return this.writer.idle();
  }

  /** Everyone in the room now, on every instance. */
  list(campaign: string): PresenceEntry[] {
    return this.views.list(campaign);
  }

  /** A socket of this instance joined a campaign room. */
  entered(socketId: string, member: string, campaign: string): void {
    this.local.add(campaign, socketId, member);
    this.open(campaign);
    if (this.views.add(campaign, member, connectionKey(this.instance, socketId))) {
      this.emit(campaign, 'presence:join', { campaign, user: member }, [socketId]);
    }
    this.writer.push(['+', socketId, campaign, member]);
  }

  /** A socket of this instance left a campaign room (unsubscribe, disconnect, a narrower token, expiry). */
  left(socketId: string, campaign: string): void {
    const member = this.local.remove(campaign, socketId);
    if (member === undefined) return;
    if (this.views.remove(campaign, member, connectionKey(this.instance, socketId))) {
      this.emit(campaign, 'presence:leave', { campaign, user: member }, []);
    }
    this.writer.push(['-', socketId, campaign, member]);
    if (!this.local.socketsOf(campaign, member).length) this.typers.set(campaign, member, false);
    this.closeIfUnused(campaign);
  }

  /** A member, through a socket of this instance in the room, is typing or stopped. */
  typing(campaign: string, member: string, typing: boolean): void {
    this.typers.set(campaign, member, typing);
  }

  /** A notification on the presence channel. */
  receive(payload: string): void {
    this.opts.observer?.received();
    const message = decodeMessage(payload);
    if (!message) return;
    if ('gone' in message) {
      // swept while frozen or cut off: prove alive at once, and bring our connections back
      if (message.gone === this.instance) return void this.tick();
      return this.dropInstance(message.gone);
    }
    if (message.from === this.instance) return; // applied when made
    for (const op of message.ops) {
      const campaign = campaignOf(op);
      if (!this.views.has(campaign)) continue;
      if (!this.readings.defer(campaign, { from: message.from, op })) this.apply(message.from, op);
    }
  }

  /** Calls `listener` with the instances a sweep of this one declared gone (each is swept once, somewhere). */
  whenGone(listener: (instances: string[]) => void): void {
    this.goneListeners.add(listener);
  }

  /** The LISTEN connection is back: what was sent meanwhile is lost, so read every room afresh. */
  resync(): void {
    this.readings.start(this.views.campaigns());
  }

  private tick(): void {
    if (this.stopped) return;
    this.beating ??= this.beat()
      .then(() => this.opts.store.sweep(this.opts.timeoutMs))
      .then((gone) => void (gone.length && this.goneListeners.forEach((listener) => listener(gone))))
      .catch((err) => this.opts.onError(err, 'presence heartbeat failed'))
      .finally(() => (this.beating = undefined));
  }

  /** Our row was missing (first start, or we were swept): write our connections again. */
  private async beat(): Promise<void> {
    if (!(await this.opts.store.heartbeat(this.instance))) return;
    for (const [campaign, socketId, member] of this.local.all()) this.writer.push(['+', socketId, campaign, member]);
  }

  private open(campaign: string): void {
    if (this.views.has(campaign)) return;
    this.views.open(campaign);
    this.readings.start([campaign]);
  }

  private closeIfUnused(campaign: string): void {
    if (this.holds.has(campaign) || this.local.occupied(campaign)) return;
    this.local.forget(campaign);
    this.views.close(campaign);
    this.readings.forget(campaign);
  }

  private show(campaign: string, member: string, typing: boolean): void {
    // never to the member's own connections, wherever they are
    this.emit(campaign, 'typing', { campaign, user: member, typing }, this.local.socketsOf(campaign, member));
  }

  private announce(changes: PresenceChange[]): void {
    for (const { kind, campaign, member } of changes) {
      this.emit(campaign, `presence:${kind}`, { campaign, user: member }, []);
    }
  }

  private apply(from: string, op: PresenceOp): void {
    if (op[0] === 't') return this.typers.received(op[1], op[2], op[3] === 1);
    const [kind, socketId, campaign, member] = op;
    const key = connectionKey(from, socketId);
    const changed = kind === '+' ? this.views.add(campaign, member, key) : this.views.remove(campaign, member, key);
    if (changed) this.announce([{ kind: kind === '+' ? 'join' : 'leave', campaign, member }]);
  }

  private dropInstance(instance: string): void {
    this.readings.deferAll({ gone: instance });
    const settled = this.views.campaigns().filter((c) => !this.readings.underway(c));
    this.announce(this.views.dropInstance(instance, settled));
  }

  /** A room's reading is over: who is in it now, then what arrived meanwhile. */
  private settle(campaign: string, rows: ConnectionRow[] | undefined, pending: Pending[]): void {
    if (rows) this.announce(this.views.replace(campaign, this.entries(campaign, rows)));
    for (const p of pending) {
      if ('gone' in p) this.announce(this.views.dropInstance(p.gone, [campaign]));
      else this.apply(p.from, p.op);
    }
  }

  /** A room's connections: the table's for other instances, ours as we know them. */
  private entries(campaign: string, rows: ConnectionRow[]): { member: string; key: string }[] {
    const theirs = rows
      .filter((r) => r.campaign_id === campaign)
      .map((r) => ({ member: r.member, key: connectionKey(r.instance, r.socket_id) }));
    const ours = this.local.sockets(campaign).map(([socketId, member]) => ({
      member,
      key: connectionKey(this.instance, socketId),
    }));
    return [...theirs, ...ours];
  }
}
