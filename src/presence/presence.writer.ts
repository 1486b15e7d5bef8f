import { encodeOps, type PresenceOp } from './presence.messages';
import type { PresenceBatch, PresenceStore } from './presence.store';

export interface WriterOptions {
  store: PresenceStore;
  instance: string;
  onError: (err: unknown, context: string) => void;
  /** Told how many notifications each batch sent (metrics). */
  sent?: (notifications: number) => void;
  retryMs?: number;
}

const keyOf = (op: PresenceOp) => (op[0] === 't' ? `t ${op[1]} ${op[2]}` : `c ${op[1]} ${op[2]}`);

/** The last operation per connection and room (per member and room for typing), in order. */
export function fold(ops: PresenceOp[]): PresenceOp[] {
  const last = new Map<string, PresenceOp>();
  for (const op of ops) {
    const key = keyOf(op);
    last.delete(key); // re-inserted: a Map keeps the order of the latest
    last.set(key, op);
  }
  return [...last.values()];
}

function toBatch(instance: string, ops: PresenceOp[], onDropped: (op: PresenceOp) => void): PresenceBatch {
  const batch: PresenceBatch = { added: [], removed: [], payloads: encodeOps(instance, ops, onDropped) };
  for (const op of ops) {
    if (op[0] === 't') continue;
    const row = { socket_id: op[1], campaign_id: op[2], member: op[3] };
    (op[0] === '+' ? batch.added : batch.removed).push(row);
  }
  return batch;
}

/**
 * This instance's presence writes, one statement at a time. Whatever is queued while one
 * runs goes in the next, folded (like group commit): a connection that enters and leaves
 * meanwhile costs nothing. One at a time also keeps each connection's enter before its
 * leave in the table. A failed write is retried; typing in it is dropped (it is stale by then).
 */
export class PresenceWriter {
  private pending: PresenceOp[] = [];
  private running?: Promise<void>;
  private retryTimer?: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly opts: WriterOptions) {}

  push(op: PresenceOp): void {
    this.pending.push(op);
    this.kick();
  }

  /** Resolves once everything queued so far is written (or the writer stopped). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private kick(): void {
    if (this.running || this.retryTimer || this.stopped || !this.pending.length) return;
    this.running = this.flush().finally(() => {
      this.running = undefined;
      this.kick();
    });
  }

  private async flush(): Promise<void> {
    const ops = fold(this.pending.splice(0));
    const { instance, onError } = this.opts;
    const batch = toBatch(instance, ops, (op) =>
      onError(new Error(`operation of ${op.join(' ')}`), 'presence too big'),
    );
    try {
      await this.opts.store.write(instance, batch);
      this.opts.sent?.(batch.payloads.length);
    } catch (err) {
      onError(err, 'presence write failed');
      this.pending.unshift(...ops.filter((op) => op[0] !== 't'));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, this.opts.retryMs ?? 1_000);
      this.retryTimer.unref();
    }
  }
}
