/**
 * The wire protocol shared by the server and its clients: representations, socket events,
 * error codes, cursors and limits. It imports nothing, so a browser bundle can take it whole:
 *   import type { ClientToServerEvents, ServerToClientEvents } from 'campaign-chat/dist/protocol';
 */
export * from './cursors';
export * from './errors';
export * from './events';
export * from './limits';
export * from './representations';
