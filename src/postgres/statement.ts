import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { queryTimedOut } from '../errors';
import { requestAborted, watchStatement } from './deadline';

/** Runs one parameterised statement and returns its rows. */
export type Sql = <T extends object>(text: string, values?: unknown[], opts?: { prepare?: boolean }) => Promise<T[]>;

export interface StatementOptions {
  /** A statement still running after this long is cancelled in Postgres (503). */
  timeoutMs: number;
  /** Named prepared statements; off behind a transaction-mode pooler, which cannot keep them. */
  prepare: boolean;
  /** The signal of the request being served, if any: its client going away cancels the statement. */
  signal: () => AbortSignal | undefined;
  onStatement?: () => void;
}

/** Statement names are derived from the text, so each connection prepares a text once. */
function statementNamer(): (text: string) => string {
  const names = new Map<string, string>();
  return (text) => {
    let name = names.get(text);
    if (!name) {
      name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };
}

/** Statements on `pool` with a deadline, cancelled in Postgres when it passes or the request goes. */
export function statementRunner(pool: Pool, opts: StatementOptions): Sql {
  const nameOf = statementNamer();
  return async (text, values = [], { prepare = true } = {}) => {
    opts.onStatement?.();
    const signal = opts.signal();
    if (signal?.aborted) throw requestAborted();
    // the deadline covers the wait for a connection too (the pool gives up at the same time)
    const deadline = Date.now() + opts.timeoutMs;
    const client = await pool.connect();
    if (signal?.aborted || Date.now() >= deadline) {
      client.release(); // it went, or the deadline passed, while we waited for a connection
      throw signal?.aborted ? requestAborted() : queryTimedOut();
    }
    // a checked-out client's connection error has no pool listener: ours, or it crashes the process
    let broken = false;
    const onError = () => (broken = true);
    client.on('error', onError);
    const watch = watchStatement(client, deadline, signal);
    try {
      const named = prepare && opts.prepare ? { name: nameOf(text) } : {};
      const result = await client.query({ text, values, ...named });
      return result.rows;
    } catch (err) {
      throw watch.failure(err);
    } finally {
      watch.end();
      client.off('error', onError);
      // a cancel may still be on its way: never hand this backend to another statement
      client.release(broken || watch.cause !== undefined);
    }
  };
}
