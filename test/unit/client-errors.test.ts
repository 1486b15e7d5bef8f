import { ChatError } from '../../src/client/errors';

// the client's own tables before it used the protocol's: every entry must read back the same
const OLD_CODE_OF_STATUS: Record<number, string> = {
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
const OLD_STATUS_OF_CODE: Record<string, number> = {
  ...Object.fromEntries(Object.entries(OLD_CODE_OF_STATUS).map(([status, code]) => [code, Number(status)])),
  invalid_cursor: 400,
  not_subscribed: 409,
  unknown_event: 400,
  parse_error: 400,
  bad_request: 400,
  timeout: 503,
  no_answer: 504,
};

describe('ChatError reads the protocol’s error table', () => {
  it.each(Object.entries(OLD_STATUS_OF_CODE))('an ack with %s has status %i, as before', (code, status) => {
    expect(ChatError.fromAck({ code, message: 'm' })).toMatchObject({ code, status, message: 'm' });
  });

  it.each(Object.entries(OLD_CODE_OF_STATUS))('a REST %s is called %s, as before', (status, code) => {
    expect(ChatError.fromResponse(Number(status), { detail: 'd' })).toMatchObject({ status: Number(status), code });
  });

  it('a status the table lacks is unavailable from 500 up, invalid below; an unknown code is a 500', () => {
    expect(ChatError.fromResponse(504, undefined).code).toBe('unavailable'); // no_answer is never an HTTP answer
    expect(ChatError.fromResponse(502, undefined).code).toBe('unavailable');
    expect(ChatError.fromResponse(418, undefined).code).toBe('invalid');
    expect(ChatError.fromAck({ code: 'no_such_code', message: '' }).status).toBe(500);
    expect(ChatError.fromAck({ code: 'toString', message: '' }).status).toBe(500);
  });

  it('codes the server added since have their statuses', () => {
    expect(ChatError.fromAck({ code: 'too_many_inflight', message: '' }).status).toBe(429);
    expect(ChatError.fromAck({ code: 'inactive', message: '' }).status).toBe(409);
  });

  it('a refused connect is rate_limited or unauthorized, with their statuses', () => {
    expect(ChatError.fromConnectRefusal('Too many connections')).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(ChatError.fromConnectRefusal('jwt expired')).toMatchObject({ status: 401, code: 'unauthorized' });
  });
});
