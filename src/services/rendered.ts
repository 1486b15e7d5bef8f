/**
 * A representation as JSON text, rendered inside Postgres (src/services/representation.sql.ts):
 * sent to REST clients as it is, never parsed and stringified again. The type says what it holds.
 */
export type Rendered<T> = string & { readonly __representation?: T };
