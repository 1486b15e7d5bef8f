export interface TypingOptions {
  /** Tells the room, here and on every instance (a notification). */
  send(campaign: string, member: string, typing: boolean): void;
  /** Tells this instance's part of the room only. */
  show(campaign: string, member: string, typing: boolean): void;
  /** A `true` not refreshed within this long ends by itself. */
  expiryMs: number;
  /** At most one notification per member and room in this long. */
  intervalMs: number;
}

/** A member typing in a room through this instance's sockets. */
interface Typer {
  campaign: string;
  member: string;
  /** What the member's sockets said last, and what the room was told last (and when). */
  want: boolean;
  told: boolean;
  sentAt: number;
  expiry?: NodeJS.Timeout;
  later?: NodeJS.Timeout;
}

const keyOf = (campaign: string, member: string) => `${campaign}\n${member}`;

/**
 * Typing indicators. Members typing through this instance are throttled here: at most one
 * notification per member and room every `intervalMs`, a repeated `true` within it folded
 * into the last, a change within it sent when the interval ends (the latest state wins).
 * Members typing elsewhere are shown as told, with a backstop: should their instance die
 * before its `false`, it ends once the expiry, an interval and a second have passed unrefreshed.
 */
export class Typing {
  private readonly typers = new Map<string, Typer>();
  private readonly remote = new Map<string, NodeJS.Timeout>();

  constructor(private readonly opts: TypingOptions) {}

  /** A socket of this instance said its member is (not) typing in the room. */
  set(campaign: string, member: string, typing: boolean): void {
    const key = keyOf(campaign, member);
    let t = this.typers.get(key);
    if (!t) {
      if (!typing) return;
      t = { campaign, member, want: false, told: false, sentAt: -Infinity };
      this.typers.set(key, t);
    }
    const typer = t;
    clearTimeout(typer.expiry);
    typer.expiry = typing ? setTimeout(() => this.set(campaign, member, false), this.opts.expiryMs) : undefined;
    typer.expiry?.unref();
    typer.want = typing;
    const wait = typer.sentAt + this.opts.intervalMs - Date.now();
    if (typer.want === typer.told && (!typing || wait > 0)) return this.forgetIfIdle(typer);
    if (wait <= 0) return this.flush(typer);
    this.later(typer, wait);
  }

  /** Another instance told of a member typing. */
  received(campaign: string, member: string, typing: boolean): void {
    const key = keyOf(campaign, member);
    const backstop = this.remote.get(key);
    clearTimeout(backstop);
    this.remote.delete(key);
    if (!typing && !backstop) return; // never shown here, or already ended by the backstop
    this.opts.show(campaign, member, typing);
    if (!typing) return;
    const ms = this.opts.expiryMs + this.opts.intervalMs + 1_000;
    const timer = setTimeout(() => {
      this.remote.delete(key);
      this.opts.show(campaign, member, false);
    }, ms);
    timer.unref();
    this.remote.set(key, timer);
  }

  stop(): void {
    for (const t of this.typers.values()) [t.expiry, t.later].forEach(clearTimeout);
    for (const timer of this.remote.values()) clearTimeout(timer);
    this.typers.clear();
    this.remote.clear();
  }

  private flush(typer: Typer): void {
    typer.told = typer.want;
    typer.sentAt = Date.now();
    this.opts.send(typer.campaign, typer.member, typer.told);
    this.forgetIfIdle(typer);
  }

  /** At the end of the interval: send the latest state if it changed, or forget the member. */
  private later(typer: Typer, ms: number): void {
    typer.later ??= setTimeout(() => {
      typer.later = undefined;
      if (typer.want !== typer.told) this.flush(typer);
      else this.forgetIfIdle(typer);
    }, ms);
    typer.later.unref();
  }

  /** Nothing more to say: drop the state, once the interval is over (a `true` just after a `false` still waits). */
  private forgetIfIdle(typer: Typer): void {
    if (typer.want || typer.told || typer.later) return;
    const left = typer.sentAt + this.opts.intervalMs - Date.now();
    if (left > 0) return this.later(typer, left);
    this.typers.delete(keyOf(typer.campaign, typer.member));
  }
}
