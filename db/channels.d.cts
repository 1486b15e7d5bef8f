export declare const EVENTS_CHANNEL: 'chat_events';
export declare const PRESENCE_CHANNEL: 'chat_presence';
