import {
  ConnectionError,
  ForeignKeyConstraintError,
  UniqueConstraintError,
  ValidationError as SequelizeValidationError,
  DatabaseError,
} from 'sequelize';

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

/** Columns as the API names them (campaign_id → campaign). */
const apiField = (column: string): string => column.replace(/_id$/, '');

export const databaseUnavailable = () =>
  new AppError(503, 'unavailable', 'The database is unavailable; try again shortly.');

/** Connection-level failures (refused, terminated, shutting down): the client may retry. */
function isConnectionLoss(err: DatabaseError): boolean {
  const parent = err.parent as { code?: string; message?: string };
  return (
    /^(08|57P)/.test(parent.code ?? '') || /Connection terminated|ECONNRESET|ECONNREFUSED/.test(parent.message ?? '')
  );
}

/** Maps database errors that bad input (or an outage) can cause; anything else stays a 500. */
export function fromDatabaseError(err: unknown): AppError | undefined {
  if (err instanceof ConnectionError) return databaseUnavailable();
  if (err instanceof ForeignKeyConstraintError) {
    const detail = String((err.parent as { detail?: string })?.detail ?? '');
    const match = /Key \((\w+)\)=\(([^)]*)\)/.exec(detail);
    if (match) {
      return new ValidationError({ [apiField(match[1])]: [`Invalid pk "${match[2]}" - object does not exist.`] });
    }
    return new AppError(409, 'conflict', 'The request conflicts with related data.');
  }
  if (err instanceof UniqueConstraintError) {
    return new AppError(409, 'conflict', 'A resource with these values already exists.');
  }
  if (err instanceof SequelizeValidationError) {
    return new ValidationError(Object.fromEntries(err.errors.map((e) => [e.path ?? 'non_field_errors', [e.message]])));
  }
  if (err instanceof DatabaseError) {
    if (isConnectionLoss(err)) return databaseUnavailable();
    const code = (err.parent as { code?: string }).code;
    // check_violation, string_data_right_truncation, invalid_text_representation
    if (code === '23514' || code === '22001' || code === '22P02' || code === '22021') {
      return new AppError(400, 'invalid', 'Invalid input.');
    }
  }
  return undefined;
}
