import { ChatError, type FieldErrors } from '../../client';

/** A failure as one plain sentence for the person at the screen. */
export function sentence(err: unknown): string {
  if (!(err instanceof ChatError)) return `Something went wrong: ${String(err)}`;
  switch (err.status) {
    case 401:
      return 'The server needs a valid token. Enter one to continue.';
    case 403:
      return 'Your token does not allow this.';
    case 404:
      return 'Not found: it may have been deleted, or your token cannot see it.';
    case 429:
      return 'Too many requests. Wait a moment and try again.';
    case 503:
    case 504:
      return 'The server cannot be reached right now. Try again in a moment.';
    default:
      return err.fields ? 'Some fields need attention.' : err.message;
  }
}

/** The field errors of a refused write, one line per field. */
export function fieldErrors(err: unknown): Record<string, string> | undefined {
  if (!(err instanceof ChatError) || !err.fields) return undefined;
  const fields: FieldErrors = err.fields;
  return Object.fromEntries(Object.entries(fields).map(([name, messages]) => [name, messages.join(' ')]));
}
