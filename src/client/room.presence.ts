import type { EventEmitter } from 'eventemitter3';
import { TYPING_INTERVAL_MS, type PresenceEntry, type TypingEvent } from '../protocol';
import { ChatError } from './errors';
import { Members, Typers } from './members';
import type { RoomLink } from './room.link';
import type { RoomEvents } from './types';

/**
 * A room's presence and typing: who is here (the subscribe answer, then joins and leaves),
 * who else is typing, and when this member last said it types. It changes no room state:
 * the room asks it only while open, and says when a subscription starts.
 */
export class RoomPresence {
  readonly #members = new Members();
  readonly #typers = new Typers((user) => this.#stopped(user));
  /** When this subscription last told the server `typing: true` (a repeat within the interval is folded there anyway). */
  #typingSentAt = -Infinity;

  constructor(
    private readonly campaign: string,
    private readonly link: RoomLink,
    private readonly events: EventEmitter<RoomEvents>,
  ) {}

  get list(): readonly PresenceEntry[] {
    return this.#members.list;
  }

  get typing(): readonly string[] {
    return this.#typers.list;
  }

  /** A new subscription is acknowledged (the server has no typing of ours), or a chat was sent (it ends typing there). */
  typingEnded(): void {
    this.#typingSentAt = -Infinity;
  }

  /** Who is here: the subscribe answer is the whole truth, joins and leaves sent before it included. */
  answered(entries: readonly PresenceEntry[]): void {
    this.#changed(this.#members.replace(entries));
  }

  /** A member's first connection entered the room, or its last one left. */
  joinedOrLeft(kind: 'join' | 'leave', user: string): void {
    if (kind === 'leave' && this.#typers.set(user, false)) this.#stopped(user);
    this.#changed(kind === 'join' ? this.#members.join(user) : this.#members.leave(user));
  }

  /** Another member is typing, or stopped. */
  typed(event: TypingEvent): void {
    this.#typers.set(event.user, event.typing);
    this.events.emit('typing', event);
  }

  /** Sends typing unless a `true` went within TYPING_INTERVAL_MS (the server would fold it). */
  async setTyping(typing: boolean): Promise<void> {
    const now = Date.now();
    if (typing && now - this.#typingSentAt < TYPING_INTERVAL_MS) return;
    this.#typingSentAt = typing ? now : -Infinity;
    const ack = await this.link.request('typing', { campaignId: this.campaign, typing });
    if (!ack.ok) {
      this.#typingSentAt = -Infinity;
      throw ChatError.fromAck(ack.error);
    }
  }

  clear(): void {
    this.#typers.clear();
  }

  #stopped(user: string): void {
    this.events.emit('typing', { campaign: this.campaign, user, typing: false });
  }

  /** 'presence' with the new list; built only for a listener (a big room changes often). */
  #changed(yes: boolean): void {
    if (yes && this.events.listenerCount('presence')) this.events.emit('presence', this.#members.list);
  }
}
