import { BaseError, ConnectionError, ValidationError as SequelizeValidationError } from 'sequelize';

/** Field name → messages, the shape of DRF's validation errors. */
export type FieldErrors = Record<string, string[]>;

/** The one error hierarchy; translated at the edges (Express handler, socket ack). */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super(404, 'not_found', message);
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldErrors) {
    super(400, 'invalid', 'Invalid input.', fields);
  }
}

/** DRF's error for a foreign key naming a row that does not exist (or that the caller cannot see). */
export const invalidPk = (field: string, value: string): ValidationError =>
  new ValidationError({ [field]: [`Invalid pk "${value}" - object does not exist.`] });

/** Columns as the API names them (campaign_id → campaign). */
const apiField = (column: string): string => column.replace(/_id$/, '');

export const databaseUnavailable = () =>
  new AppError(503, 'unavailable', 'The database is unavailable; try again shortly.');

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

export const queryTimedOut = () =>
  new AppError(503, 'timeout', 'The request took too long and was cancelled; try again shortly.');

/** Maps database errors that bad input (or an outage) can cause; anything else stays a 500. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof ConnectionError) return databaseUnavailable();
  if (err instanceof SequelizeValidationError) {
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
      if (!match) return new AppError(409, 'conflict', 'The request conflicts with related data.');
      return invalidPk(apiField(match[1]), match[2]);
    }
    case '23505':
      return new AppError(409, 'conflict', 'A resource with these values already exists.');
    case '23514': // check_violation
    case '22001': // string_data_right_truncation
    case '22P02': // invalid_text_representation
    case '22021': // character_not_in_repertoire
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
      return new AppError(400, 'invalid', 'Invalid input.');
  }
  return undefined;
}
