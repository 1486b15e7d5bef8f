import { codeOfStatus, ERROR_CODES, statusOfCode, type AckError, type ErrorCode, type FieldErrors } from '../protocol';

/** What every failure of the client looks like, whether REST or a socket said it. */
export class ChatError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Field-keyed messages (DRF's shape), for a request the server found invalid. */
    readonly fields?: FieldErrors,
    /** A stream's errors: the seq it expects next (`out_of_order`), the chat's status (`stream_closed`). */
    readonly details?: Pick<AckError, 'expected' | 'status'>,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  /** From a socket acknowledgement's `{code, message, fields?, expected?, status?}`. */
  static fromAck({ code, message, fields, expected, status }: AckError): ChatError {
    const details = expected !== undefined || status !== undefined ? { expected, status } : undefined;
    return new ChatError(statusOfCode(code), code, message, fields, details);
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
    // a stream's errors name their code and details, as an acknowledgement does
    if (typeof rest.code === 'string' && typeof detail === 'string')
      return ChatError.fromAck({ ...rest, message: detail } as AckError);
    const fields = Object.fromEntries(
      Object.entries(rest).filter((e): e is [string, string[]] => Array.isArray(e[1])),
    ) as FieldErrors;
    const hasFields = Object.keys(fields).length > 0;
    const message = typeof detail === 'string' ? detail : hasFields ? 'Invalid input.' : `HTTP ${status}`;
    return new ChatError(status, code, message, hasFields ? fields : undefined);
  }

  /** A refused Socket.IO connect: the server's middleware says why in the message. */
  static fromConnectRefusal(message: string): ChatError {
    return chatError(/too many/i.test(message) ? 'rate_limited' : 'unauthorized', message);
  }
}

/** A ChatError of one of the protocol's codes, with the status its table gives it. */
export const chatError = (code: ErrorCode, message: string, fields?: FieldErrors): ChatError =>
  new ChatError(ERROR_CODES[code], code, message, fields);

/** The client's own code for a room or client used after close (no server answer has it). */
export const closedError = (what: 'room' | 'client'): ChatError =>
  new ChatError(499, 'closed', `The ${what} was closed.`);
