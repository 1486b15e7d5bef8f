/** The NOTIFY channels this server LISTENs on; db/channels.cjs is their one definition. */
export { EVENTS_CHANNEL, PRESENCE_CHANNEL } from '../../db/channels.cjs';
