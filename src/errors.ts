import { ERROR_CODES, type AckError, type ErrorCode, type FieldErrors } from './protocol';

export type { FieldErrors } from './protocol';

/**
 * The one error hierarchy: a stable machine code (its HTTP status comes from the protocol's
 * table), a message and optional field details. Translated at the edges (Express handler,
 * socket acknowledgement).
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: FieldErrors,
    /** Only for a client error the code's own status does not name (body-parser's odd 4xx). */
    status: number = ERROR_CODES[code],
    /** What a client needs to recover, sent beside the message (a stream's expected seq, its status). */
    readonly details?: Pick<AckError, 'expected' | 'status'>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status;
  }
}

/** A stream's errors name themselves: REST bodies carry their `code` and details too. */
export const streamError = (code: 'out_of_order' | 'stream_closed', message: string, details: AppError['details']) =>
  new AppError(code, message, undefined, ERROR_CODES[code], details);

export class NotFoundError extends AppError {
  constructor(message = 'Not found.') {
    super('not_found', message);
  }
}

export class ValidationError extends AppError {
  constructor(fields: FieldErrors) {
    super('invalid', 'Invalid input.', fields);
  }
}

/** DRF's error for a foreign key naming a row that does not exist (or that the caller cannot see). */
export const invalidPk = (field: string, value: string): ValidationError =>
  new ValidationError({ [field]: [`Invalid pk "${value}" - object does not exist.`] });

export const databaseUnavailable = () => new AppError('unavailable', 'The database is unavailable; try again shortly.');

export const queryTimedOut = () =>
  new AppError('timeout', 'The request took too long and was cancelled; try again shortly.');
