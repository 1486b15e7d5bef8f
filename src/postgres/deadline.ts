import type { Client, PoolClient } from 'pg';
import { AppError, queryTimedOut } from '../errors';
import { sendCancel } from './pg-internals';

/** Why a statement was cancelled: it ran past its deadline, or its request's client went away. */
export type CancelCause = 'deadline' | 'aborted';

/** Nobody reads this one: the client that asked has gone. */
export const requestAborted = () => new AppError('cancelled', 'The client closed the request.');

/** One statement under watch, from when it is sent until `end()`. */
export interface Watch {
  /** Set once the statement has been cancelled; the connection must not serve another. */
  readonly cause: CancelCause | undefined;
  end(): void;
  /** The error to answer with: the cancel's own reason, else the statement's error. */
  failure(err: unknown): unknown;
}

/**
 * The one deadline of this server's statements, whichever path sends them (the statement
 * runner or Sequelize): at `deadline` (epoch ms), or when `signal` aborts, Postgres is sent
 * a cancel for the statement running on `client`. The backend stops at its next interrupt
 * check and the statement fails with 57014, so no statement outlives its request.
 */
export function watchStatement(client: Client | PoolClient, deadline: number, signal?: AbortSignal): Watch {
  let cause: CancelCause | undefined;
  const cancel = (why: CancelCause) => {
    if (cause) return;
    cause = why;
    sendCancel(client);
  };
  const onAbort = () => cancel('aborted');
  const timer = setTimeout(() => cancel('deadline'), Math.max(0, deadline - Date.now()));
  signal?.addEventListener('abort', onAbort);
  if (signal?.aborted) cancel('aborted');
  return {
    get cause() {
      return cause;
    },
    end() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
    failure(err) {
      if (cause === 'deadline') return queryTimedOut();
      if (cause === 'aborted') return requestAborted();
      return err;
    },
  };
}
