import { AppError } from '../errors';

export const invalidCursor = () => new AppError('invalid_cursor', 'since is not a cursor of this server.');

export const cursorExpired = () =>
  new AppError('cursor_expired', 'The cursor is too old to replay from; reload the history through REST.');
