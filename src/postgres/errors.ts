import {
  BaseError,
  ConnectionError,
  UniqueConstraintError,
  ValidationError as SequelizeValidationError,
} from 'sequelize';
import { AppError, databaseUnavailable, invalidPk, queryTimedOut, ValidationError } from '../errors';

/** Columns as the API names them (campaign_id → campaign). */
const apiField = (column: string): string => column.replace(/_id$/, '');

/** What Postgres said: on a Sequelize error it is the parent, on a node-postgres error the error itself. */
interface PgFailure {
  code?: string;
  detail?: string;
  message?: string;
}

function pgFailure(err: unknown): PgFailure | undefined {
  if (err instanceof BaseError) return (err as { parent?: PgFailure }).parent;
  if (err instanceof Error) return err as PgFailure;
  return undefined;
}

/** Connection-level failures (refused, terminated, shutting down, no free connection in time): the client may retry. */
const isConnectionLoss = (f: PgFailure): boolean =>
  /^(08|57P)|^ECONN/.test(f.code ?? '') ||
  /Connection terminated|ECONNRESET|ECONNREFUSED|timeout exceeded when trying to connect/.test(f.message ?? '');

/** Maps database errors that bad input (or an outage) can cause; anything else stays a 500. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof ConnectionError) return databaseUnavailable();
  // a unique violation is one of Sequelize's validation errors, but Postgres's 23505 (below)
  if (err instanceof SequelizeValidationError && !(err instanceof UniqueConstraintError)) {
    return new ValidationError(Object.fromEntries(err.errors.map((e) => [e.path ?? 'non_field_errors', [e.message]])));
  }
  const failure = pgFailure(err);
  if (!failure) return undefined;
  if (isConnectionLoss(failure)) return databaseUnavailable();
  switch (failure.code) {
    case '57014': // query_canceled: Postgres's own statement_timeout, or our deadline's cancel
    case '55P03': // lock_not_available: lock_timeout
      return queryTimedOut();
    case '23503': {
      const match = /Key \((\w+)\)=\(([^)]*)\)/.exec(failure.detail ?? '');
      if (!match) return new AppError('conflict', 'The request conflicts with related data.');
      return invalidPk(apiField(match[1]), match[2]);
    }
    case '23505':
      return new AppError('conflict', 'A resource with these values already exists.');
    case '23514': // check_violation
    case '22001': // string_data_right_truncation
    case '22P02': // invalid_text_representation
    case '22021': // character_not_in_repertoire
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return new AppError('invalid', 'Invalid input.');
  }
  return undefined;
}
