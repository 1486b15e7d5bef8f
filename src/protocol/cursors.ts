/**
 * A live event's cursor is the decimal id of its event in the log: opaque to clients, but
 * ordered, and compared as decimal strings (a longer one is later) without parsing.
 */
export const isAfter = (cursor: string, than: string | undefined): boolean =>
  than === undefined || cursor.length > than.length || (cursor.length === than.length && cursor > than);

/** The later of two cursors: a room's cursor never goes backwards. */
export const laterCursor = (a: string | undefined, b: string): string => (isAfter(b, a) ? b : (a as string));

/** The longest `since` a subscribe accepts: a cursor is a bigint in decimal. */
export const MAX_CURSOR_LENGTH = 40;
