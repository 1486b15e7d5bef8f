import { PRUNE_BATCH, type ReaderStore } from './event.readers';

/** Heartbeats a reader may miss before pruning stops waiting for it. */
const MISSED_BEATS = 3;

export interface UpkeepOptions {
  readers: ReaderStore;
  /** This instance's row in the readers table. */
  instance: string;
  /** The position this instance has delivered up to. */
  position: () => bigint;
  retentionHours: number;
  /** Heartbeat and pruning period; pruning waits for readers seen within 3 of them. */
  intervalMs: number;
  /** Prune on the timer too (false: something else calls prune(), once for the cluster). */
  pruneOnTimer?: boolean;
  onError: (err: unknown, context: string) => void;
}

/**
 * Keeps this instance's reader row fresh and prunes the log on a timer. Every instance
 * prunes; the batches of concurrent pruners queue on the events_pruned row.
 */
export class LogUpkeep {
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private pruning?: Promise<unknown>;
  private started = false;
  private stopped = false;

  constructor(private readonly opts: UpkeepOptions) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.opts.readers.heartbeat(this.opts.instance, this.opts.position());
    this.timer = setInterval(() => this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    // a heartbeat finishing after the delete would bring the row back
    await Promise.all([this.beating, this.pruning]);
    if (this.started) {
      await this.opts.readers.forget(this.opts.instance).catch((err) => this.opts.onError(err, 'leaving readers'));
    }
  }

  /** Deletes, a batch at a time, the events older than the retention that every live reader has read. */
  async prune(): Promise<{ deleted: number; batches: number }> {
    const floor = await this.opts.readers.floor(this.opts.intervalMs * MISSED_BEATS);
    let deleted = 0;
    let batches = 0;
    while (!this.stopped) {
      const n = await this.opts.readers.pruneBatch(this.opts.retentionHours, floor);
      if (n > 0) batches++;
      deleted += n;
      if (n < PRUNE_BATCH) break;
    }
    return { deleted, batches };
  }

  /** Heartbeats and prunes apart: a long prune must not make this reader look gone. */
  private tick(): void {
    if (this.stopped) return;
    const { readers, instance, position, onError } = this.opts;
    this.beating ??= readers
      .heartbeat(instance, position())
      .catch((err) => onError(err, 'event reader heartbeat failed'))
      .finally(() => (this.beating = undefined));
    if (this.opts.pruneOnTimer === false) return;
    this.pruning ??= this.prune()
      .catch((err) => onError(err, 'event pruning failed'))
      .finally(() => (this.pruning = undefined));
  }
}
