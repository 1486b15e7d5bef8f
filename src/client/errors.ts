import type { FieldErrors } from '../protocol';
import type { AckError } from '../protocol';

/** HTTP status → the machine code a ChatError carries; socket acks carry the code itself. */
const CODE_OF_STATUS: Record<number, string> = {
  400: 'invalid',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  410: 'cursor_expired',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  500: 'internal',
  503: 'unavailable',
};

/** Socket ack codes that have no HTTP twin above, and the status they stand for. */
const STATUS_OF_CODE: Record<string, number> = {
  ...Object.fromEntries(Object.entries(CODE_OF_STATUS).map(([status, code]) => [code, Number(status)])),
  invalid_cursor: 400,
  not_subscribed: 409,
  unknown_event: 400,
  parse_error: 400,
  bad_request: 400,
  timeout: 503,
  /** The server did not answer in time, or the connection was lost before it did. */
  no_answer: 504,
};

export const codeOfStatus = (status: number): string =>
  CODE_OF_STATUS[status] ?? (status >= 500 ? 'unavailable' : 'invalid');
export const statusOfCode = (code: string): number => STATUS_OF_CODE[code] ?? 500;

/** What every failure of the client looks like, whether REST or a socket said it. */
export class ChatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-keyed messages (DRF's shape), for a request the server found invalid. */
    readonly fields?: FieldErrors,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  /** From a socket acknowledgement's `{code, message, fields?}`. */
  static fromAck(error: AckError): ChatError {
    return new ChatError(statusOfCode(error.code), error.code, error.message, error.fields);
  }

  /**
   * From a REST error body: `{"detail": …}` (with DRF's `non_field_errors` beside it for a
   * bad body), or field-keyed messages for a validation error.
   */
  static fromResponse(status: number, body: unknown): ChatError {
    const code = codeOfStatus(status);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      return new ChatError(status, code, `HTTP ${status}`);
    }
    const { detail, ...rest } = body as Record<string, unknown>;
    const fields = Object.fromEntries(
      Object.entries(rest).filter((e): e is [string, string[]] => Array.isArray(e[1])),
    ) as FieldErrors;
    const hasFields = Object.keys(fields).length > 0;
    const message = typeof detail === 'string' ? detail : hasFields ? 'Invalid input.' : `HTTP ${status}`;
    return new ChatError(status, code, message, hasFields ? fields : undefined);
  }

  /** A refused Socket.IO connect: the server's middleware says why in the message. */
  static fromConnectRefusal(message: string): ChatError {
    return /too many/i.test(message)
      ? new ChatError(429, 'rate_limited', message)
      : new ChatError(401, 'unauthorized', message);
  }
}
