/** The protocol's former home, kept for clients that import `campaign-chat/dist/realtime/protocol`. */
export * from '../protocol';
