import { AppError } from '../errors';

export const invalidCursor = () => new AppError(400, 'invalid_cursor', 'since is not a cursor of this server.');

export const cursorExpired = () =>
  new AppError(410, 'cursor_expired', 'The cursor is too old to replay from; reload the history through REST.');
