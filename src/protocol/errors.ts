/** Field name → messages, the shape of DRF's validation errors. */
export type FieldErrors = Record<string, string[]>;

/** What a socket acknowledgement says of a failure; REST says the same as a status and a body. */
export interface AckError {
  /** One of ERROR_CODES' keys. */
  code: string;
  message: string;
  /** Field-keyed errors, as REST returns them, for a bad payload. */
  fields?: FieldErrors;
  /** `out_of_order`: the seq the stream expects next. */
  expected?: number;
  /** `stream_closed`: the chat's status. */
  status?: string;
}

/**
 * Every machine code the server sends, with the HTTP status it goes with: the server's
 * errors are built from it, and the client's ChatError reads it back.
 */
export const ERROR_CODES = {
  invalid: 400,
  invalid_cursor: 400,
  unknown_event: 400,
  parse_error: 400,
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  not_subscribed: 409,
  inactive: 409,
  /** An append whose seq is not the stream's next (nor a repeat of an applied one). */
  out_of_order: 409,
  /** An append, finish or cancel of a chat whose stream has ended. */
  stream_closed: 409,
  /** A change to a chat while it is streaming (finish or cancel it first). */
  stream_open: 409,
  cursor_expired: 410,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_inflight: 429,
  internal: 500,
  unavailable: 503,
  timeout: 503,
  cancelled: 503,
  /** The client's own: the server did not answer in time, or the connection was lost first. */
  no_answer: 504,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The status a code goes with (500 for a code this table does not know). */
export const statusOfCode = (code: string): number =>
  Object.hasOwn(ERROR_CODES, code) ? ERROR_CODES[code as ErrorCode] : 500;

/**
 * The first code of each status the server answers with: what a REST error body, which
 * carries no code, is called (`no_answer` is never an HTTP answer).
 */
const CODE_OF_STATUS = new Map<number, ErrorCode>();
for (const [code, status] of Object.entries(ERROR_CODES) as [ErrorCode, number][]) {
  if (code !== 'no_answer' && !CODE_OF_STATUS.has(status)) CODE_OF_STATUS.set(status, code);
}

export const codeOfStatus = (status: number): ErrorCode =>
  CODE_OF_STATUS.get(status) ?? (status >= 500 ? 'unavailable' : 'invalid');
