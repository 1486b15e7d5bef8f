import { DatabaseError as PgError } from 'pg';
import {
  ConnectionAcquireTimeoutError,
  ConnectionError,
  ConnectionRefusedError,
  DatabaseError,
  EmptyResultError,
  ForeignKeyConstraintError,
  TimeoutError,
  UniqueConstraintError,
  ValidationError,
  ValidationErrorItem,
} from 'sequelize';
import { AppError } from '../../src/errors';
import { fromDatabaseError } from '../../src/postgres/errors';

/** An error as node-postgres raises it: the server's code and detail on it. */
function pgError(code: string, message = `failed with ${code}`, detail?: string): PgError & { sql: string } {
  const err = new PgError(message, 0, 'error') as PgError & { sql: string };
  err.code = code;
  err.detail = detail;
  err.sql = 'SELECT 1';
  return err;
}

/** The same failure as Sequelize wraps it: node-postgres's error is the parent. */
const wrapped = (code: string, message?: string, detail?: string) => new DatabaseError(pgError(code, message, detail));

/** What a client is answered: status, code, message and field errors (undefined: a 500, logged). */
function answer(err: unknown) {
  const known = fromDatabaseError(err);
  if (!known) return undefined;
  expect(known).toBeInstanceOf(AppError);
  return { status: known.status, code: known.code, message: known.message, fields: known.fields };
}

const unavailable = {
  status: 503,
  code: 'unavailable',
  message: 'The database is unavailable; try again shortly.',
  fields: undefined,
};
const timedOut = {
  status: 503,
  code: 'timeout',
  message: 'The request took too long and was cancelled; try again shortly.',
  fields: undefined,
};
const invalidInput = { status: 400, code: 'invalid', message: 'Invalid input.', fields: undefined };

describe('fromDatabaseError', () => {
  describe('a foreign key naming a missing row (23503)', () => {
    const detail = 'Key (campaign_id)=(6f1c0c1e-0000-4000-8000-000000000000) is not present in table "campaigns".';

    it('is a 400 on the API field named after the column, as DRF words it', () => {
      const expected = {
        status: 400,
        code: 'invalid',
        message: 'Invalid input.',
        fields: { campaign: ['Invalid pk "6f1c0c1e-0000-4000-8000-000000000000" - object does not exist.'] },
      };
      expect(answer(pgError('23503', 'insert violates foreign key', detail))).toEqual(expected);
      expect(answer(wrapped('23503', 'insert violates foreign key', detail))).toEqual(expected);
      const fromSequelize = new ForeignKeyConstraintError({ parent: pgError('23503', 'fk', detail) });
      expect(answer(fromSequelize)).toEqual(expected);
    });

    it('is a 409 conflict when Postgres names no key (a delete still referenced)', () => {
      expect(answer(pgError('23503', 'update or delete violates foreign key'))).toEqual({
        status: 409,
        code: 'conflict',
        message: 'The request conflicts with related data.',
        fields: undefined,
      });
    });
  });

  it('a unique violation (23505) is a 409 conflict', () => {
    const conflict = {
      status: 409,
      code: 'conflict',
      message: 'A resource with these values already exists.',
      fields: undefined,
    };
    expect(answer(pgError('23505'))).toEqual(conflict);
    expect(answer(wrapped('23505'))).toEqual(conflict);
  });

  // Sequelize's UniqueConstraintError extends its ValidationError: it must not be answered as one
  it('a unique violation raised through Sequelize is a 409 conflict too', () => {
    const err = new UniqueConstraintError({
      parent: pgError('23505', 'duplicate key value violates unique constraint'),
      errors: [
        new ValidationErrorItem('url must be unique', 'unique violation', 'url', 'x', null as never, '', '', []),
      ],
    });
    expect(answer(err)).toMatchObject({ status: 409, code: 'conflict' });
  });

  it.each([
    ['23514', 'check_violation'],
    ['22001', 'string_data_right_truncation'],
    ['22P02', 'invalid_text_representation'],
    ['22021', 'character_not_in_repertoire'],
    ['22007', 'invalid_datetime_format'],
    ['22008', 'datetime_field_overflow'],
  ])('input Postgres refuses (%s, %s) is a 400 invalid', (code) => {
    expect(answer(pgError(code))).toEqual(invalidInput);
    expect(answer(wrapped(code))).toEqual(invalidInput);
  });

  it.each([
    ['57014', 'query_canceled: statement_timeout or the deadline'],
    ['55P03', 'lock_not_available: lock_timeout'],
  ])('a cancelled statement (%s, %s) is a 503 timeout', (code) => {
    expect(answer(pgError(code))).toEqual(timedOut);
    expect(answer(wrapped(code))).toEqual(timedOut);
    expect(answer(new TimeoutError(pgError(code)))).toEqual(timedOut);
  });

  describe('a lost or refused connection is a 503 the client may retry', () => {
    it.each([
      ['08006', 'connection_failure'],
      ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
      ['57P01', 'admin_shutdown'],
      ['57P03', 'cannot_connect_now'],
      ['ECONNREFUSED', 'nothing listening'],
      ['ECONNRESET', 'reset by the peer'],
    ])('by its code: %s (%s)', (code) => {
      expect(answer(pgError(code))).toEqual(unavailable);
      expect(answer(wrapped(code))).toEqual(unavailable);
    });

    it.each([
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'connect ECONNREFUSED 127.0.0.1:5432',
      'read ECONNRESET',
      'timeout exceeded when trying to connect',
    ])('by what node-postgres says: "%s"', (message) => {
      expect(answer(new Error(message))).toEqual(unavailable);
      expect(answer(new DatabaseError(Object.assign(new Error(message), { sql: '' })))).toEqual(unavailable);
    });

    it("by Sequelize's connection errors, whatever their parent", () => {
      expect(answer(new ConnectionError(new Error('anything')))).toEqual(unavailable);
      expect(answer(new ConnectionRefusedError(new Error('connect ECONNREFUSED')))).toEqual(unavailable);
      expect(answer(new ConnectionAcquireTimeoutError(new Error('pool exhausted')))).toEqual(unavailable);
    });
  });

  it("Sequelize's validation error is a 400 with each item under its field", () => {
    const item = (message: string, path: string | null) =>
      new ValidationErrorItem(message, 'validation error', path as string, '', null as never, '', '', []);
    const err = new ValidationError('Validation error', [
      item('title cannot be null', 'title'),
      item('too long', 'message'),
      item('does not add up', null),
    ]);
    expect(answer(err)).toEqual({
      status: 400,
      code: 'invalid',
      message: 'Invalid input.',
      fields: {
        title: ['title cannot be null'],
        message: ['too long'],
        non_field_errors: ['does not add up'],
      },
    });
  });

  describe('anything else stays unknown (a 500, its stack logged and never returned)', () => {
    it.each([
      ['a code no client input causes (undefined_table)', pgError('42P01')],
      ['the same wrapped by Sequelize', wrapped('42P01')],
      ['a deadlock', pgError('40P01')],
      ['a plain Error', new Error('boom')],
      ['a TypeError from our own code', new TypeError("Cannot read properties of undefined (reading 'id')")],
      ['a Sequelize error without a parent (findOrFail found nothing)', new EmptyResultError('no row')],
    ])('%s', (_what, err) => {
      expect(fromDatabaseError(err)).toBeUndefined();
    });

    it.each([
      ['a string', 'ECONNREFUSED'],
      ['null', null],
      ['undefined', undefined],
      ['an object shaped like an error', { code: '23505', message: 'Connection terminated' }],
    ])('a thrown value that is not an Error: %s', (_what, value) => {
      expect(fromDatabaseError(value)).toBeUndefined();
    });
  });
});
