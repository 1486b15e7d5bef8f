/** Limits and timings a client must know to speak the protocol. */

/** Longest display name in open mode (the handshake's `auth.name`), in characters. */
export const MAX_NAME_LENGTH = 64;
/** A `typing: true` not refreshed within this long ends by itself (the room gets `typing: false`). */
export const TYPING_EXPIRY_MS = 5_000;
/** At most one typing notification per member and room in this long; a client need not send more often. */
export const TYPING_INTERVAL_MS = 2_000;
