// The NOTIFY channels, shared by the migrations that install their triggers and the server
// that LISTENs (src/pubsub/channels.ts). A rename needs a migration that reinstalls the trigger.
module.exports = {
  /** "Something was committed to the events log" (no payload). */
  EVENTS_CHANNEL: 'chat_events',
  /** Presence and typing operations, as JSON. */
  PRESENCE_CHANNEL: 'chat_presence',
};
