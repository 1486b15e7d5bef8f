/**
 * The client library: `import { ChatClient } from 'campaign-chat/client'` in Node, or
 * `import { ChatClient } from '/client.js'` in a browser (the server serves the bundle).
 * Only types and the protocol's constants come from the server's modules, so it bundles
 * without any server code.
 */
export { ChatClient } from './chat-client';
export { Room, type ChatStream, type TextSource } from './room';
export { ChatError } from './errors';
export { Timeline, compareChats } from './timeline';
export type {
  Page,
  ListParams,
  HistoryPage,
  HistoryParams,
  CampaignInput,
  ChatInput,
  DataInput,
  Resource,
} from './rest';
export type * from './types';
export type { FieldErrors } from '../protocol';
export type {
  CampaignFields,
  CampaignRep,
  ChatDelta,
  ChatRep,
  ChatStatus,
  DataRep,
  LiveEvent,
  PresenceEntry,
  TypingEvent,
} from '../protocol';
export { MAX_NAME_LENGTH, TYPING_EXPIRY_MS, TYPING_INTERVAL_MS } from '../protocol';
