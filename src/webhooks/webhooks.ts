import { EventEmitter, setMaxListeners } from 'node:events';
import { Logger as WorkerLogger, parseCronItems, run, type Runner, type WorkerEvents } from 'graphile-worker';
import type { Logger } from 'pino';
import type { WebhookSettings } from '../config';
import { createChores } from './chores';
import { deliverTask } from './deliver.task';
import { Dispatcher } from './dispatcher';
import { CHORES_TASK, createWebhookPools, DELIVER_TASK, poolSql, type WebhookPools } from './queue';

export interface WebhooksOptions {
  /** The database URL: a transaction pooler's when behind one (then `session` is false). */
  url: string;
  /** A direct (session) connection: the job runner LISTENs for new jobs. */
  listenUrl: string;
  session: boolean;
  settings: WebhookSettings;
  /** Deadline of the dispatch and bookkeeping statements. */
  statementTimeoutMs: number;
  logger: Logger;
  onError: (err: unknown, context: string) => void;
  /** Prunes the events log; run by the scheduled chores, once for the cluster. */
  pruneEvents: () => Promise<{ deleted: number }>;
  /** This instance's id in presence, whose sweep declares an instance gone (instancesGone). */
  instance: string;
}

/** The queue's log lines, at a level below ours: it reports every job it runs at info. */
const workerLogger = (logger: Logger) =>
  new WorkerLogger((scope) => (level, message) => {
    // it assumes a task holds a connection while it runs; ours hold none (src/webhooks/queue.ts)
    if (message.includes('smaller than concurrency')) return;
    const method = level === 'error' ? 'error' : level === 'warning' ? 'warn' : 'debug';
    logger[method]({ worker: scope }, message);
  });

/**
 * Outbound webhooks in this instance: the dispatcher that follows the events log, and a
 * graphile-worker runner that performs deliveries and the cluster's scheduled chores.
 * Every instance runs both; the queue hands each job to one of them.
 */
export class Webhooks {
  readonly dispatcher: Dispatcher;
  readonly chores: ReturnType<typeof createChores>;
  private readonly pools: WebhookPools;
  private runner?: Runner;
  /** The id the runner's workers lock jobs with. */
  private workerPoolId?: string;
  private started = false;
  private stopping?: Promise<void>;

  constructor(private readonly opts: WebhooksOptions) {
    this.pools = createWebhookPools({
      url: opts.url,
      listenUrl: opts.listenUrl,
      statementTimeoutMs: opts.statementTimeoutMs,
      session: opts.session,
    });
    this.dispatcher = new Dispatcher({
      pool: this.pools.work,
      timeoutMs: opts.statementTimeoutMs,
      onError: opts.onError,
    });
    this.chores = createChores(poolSql(this.pools.work), {
      // an attempt lasts at most its timeout; three of them and some slack is certainly a dead worker
      staleLockMs: opts.settings.timeoutMs * 3 + 5_000,
      logRetentionHours: opts.settings.logRetentionHours,
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const deliver = deliverTask({
      pool: this.pools.work,
      settings: this.opts.settings,
      statementTimeoutMs: this.opts.statementTimeoutMs,
    });
    const events: WorkerEvents = new EventEmitter();
    events.on('pool:create', ({ workerPool }) => (this.workerPoolId = workerPool.id));
    this.runner = await run({
      events,
      pgPool: this.pools.runner,
      noPreparedStatements: !this.opts.session,
      concurrency: this.opts.settings.concurrency,
      pollInterval: this.opts.settings.pollIntervalMs,
      noHandleSignals: true,
      logger: workerLogger(this.opts.logger),
      taskList: {
        [DELIVER_TASK]: (payload, helpers) => {
          // one signal for the whole pool: each attempt in flight listens to it
          setMaxListeners(this.opts.settings.concurrency + 10, helpers.abortSignal);
          return deliver(payload, helpers.abortSignal);
        },
        [CHORES_TASK]: async () => void (await this.runChores()),
      },
      parsedCronItems: parseCronItems([
        {
          task: CHORES_TASK,
          match: '* * * * *',
          identifier: CHORES_TASK,
          options: { backfillPeriod: 0, maxAttempts: 1 },
        },
      ]),
    });
    if (this.workerPoolId) {
      await this.pools.work.query(
        'INSERT INTO webhook_runners (worker_id, instance) VALUES ($1, $2) ON CONFLICT (worker_id) DO NOTHING',
        [this.workerPoolId, this.opts.instance],
      );
    }
    this.poke();
  }

  /**
   * The presence sweep declared these instances gone: the jobs their runners had locked (the
   * deliveries in flight when they died) are released now, not after the stale-lock chore,
   * and attempted again here or on another survivor (with the same cursor: at least once).
   */
  async instancesGone(instances: string[]): Promise<number> {
    const [row] = await poolSql(this.pools.work)<{ n: number }>(
      `WITH gone AS (DELETE FROM webhook_runners WHERE instance = ANY($1::uuid[]) RETURNING worker_id)
       SELECT count(*)::int AS n, graphile_worker.force_unlock_workers(array_agg(worker_id))::text AS done FROM gone`,
      [instances],
    );
    if (row.n) this.opts.logger.warn({ runners: row.n }, 'released deliveries of instances that are gone');
    return row.n;
  }

  /** The events log may have grown (or an endpoint was switched on): dispatch what is new. */
  poke(activated = false): void {
    if (this.runner && !this.stopping) this.dispatcher.poke(activated);
  }

  /**
   * The scheduled chores, now (the runner also runs them every minute, on one instance):
   * stale delivery locks, the delivery log's retention, and pruning the events log.
   */
  async runChores(): Promise<{ released: number; pruned: number; events: number }> {
    const released = await this.chores.releaseStaleLocks();
    const pruned = await this.chores.pruneLog();
    const { deleted: events } = await this.opts.pruneEvents();
    if (released) this.opts.logger.warn({ workers: released }, 'released deliveries locked by dead workers');
    return { released, pruned, events };
  }

  /**
   * A job aborted by the shutdown can stay locked by this runner (the queue would wait four
   * hours, our chores a few timeouts); nothing of ours runs any more, so it is released now.
   */
  private async releaseLocks(): Promise<void> {
    if (!this.workerPoolId) return;
    await this.pools.work.query(
      `WITH r AS (DELETE FROM webhook_runners WHERE worker_id = $1)
       SELECT graphile_worker.force_unlock_workers(ARRAY[$1::text])`,
      [this.workerPoolId],
    );
  }

  /** Finishes (or, after a few seconds, aborts and reschedules) the deliveries in flight, then closes. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await this.dispatcher.stop();
      await this.runner?.stop().catch((err) => this.opts.onError(err, 'stopping the webhook runner'));
      await this.releaseLocks().catch((err) => this.opts.onError(err, 'releasing webhook jobs'));
      await this.pools.close();
    })());
  }
}
