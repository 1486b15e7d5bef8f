import { Connection, type Client, type PoolClient } from 'pg';

/**
 * The two things this server needs of a node-postgres client that its public API does not
 * offer, in one place: the backend key that a cancel request names (Postgres's protocol,
 * set on the client at connect but not in its typings), and closing the socket at once
 * (end() waits for the server's goodbye, which a dead connection never sends).
 */
interface BackendKey {
  host: string;
  port: number;
  processID: number;
  secretKey: number;
}

const keyOf = (client: Client | PoolClient): BackendKey => client as unknown as BackendKey;

/** The Postgres backend serving this connection, once connected. */
export const backendPid = (client: Client | PoolClient | undefined): number | undefined =>
  client && keyOf(client).processID;

/**
 * Postgres's cancel request, on a connection of its own (PgBouncer forwards it to the
 * right server). The backend stops at its next interrupt check and the statement fails
 * with 57014. node-postgres's own cancel() does the same, after a deprecated lookup of
 * the active query.
 */
export function sendCancel(client: Client | PoolClient): void {
  const key = keyOf(client);
  const con = new Connection() as Connection & {
    connect(portOrPath: number | string, host?: string): void;
    cancel(processID: number, secretKey: number): void;
  };
  con.on('error', () => undefined); // best effort: the deadline's 503 does not depend on it
  con.on('connect', () => con.cancel(key.processID, key.secretKey));
  if (key.host.startsWith('/')) con.connect(`${key.host}/.s.PGSQL.${key.port}`);
  else con.connect(key.port, key.host);
}

/** Closes the connection's socket now. */
export const destroySocket = (client: Client): void =>
  (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
