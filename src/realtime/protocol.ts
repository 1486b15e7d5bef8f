/**
 * The Socket.IO protocol, exported for clients:
 *   import type { ClientToServerEvents, ServerToClientEvents } from 'campaign-chat/dist/realtime/protocol';
 */
import type { FieldErrors } from '../errors';

export interface DataRep {
  id: string;
  context: string;
  image: string;
  chat: string | null;
  campaign: string | null;
}
export interface ChatRep {
  id: string;
  campaign: string;
  author: 'human' | 'ai' | 'tool';
  message: string;
  created_at: string;
  datas: DataRep[];
}
/** A campaign's own fields: what `campaign:updated` carries, and REST with `?nested=false`. */
export interface CampaignFields {
  id: string;
  title: string;
  description: string;
  status: 'pending' | 'processing' | 'started' | 'completed';
  created_at: string;
  updated_at: string;
}
export interface CampaignRep extends CampaignFields {
  chats: ChatRep[];
  datas: DataRep[];
}

export interface AckError {
  /** not_found, invalid, invalid_cursor, cursor_expired, … */
  code: string;
  message: string;
  /** Field-keyed errors, as REST returns them, for a bad payload. */
  fields?: FieldErrors;
}
export type Ack<T extends object = object> = ({ ok: true } & T) | { ok: false; error: AckError };

/** Every live event: `cursor` is opaque, pass the last one back as `since` to resume. */
export interface LiveEvent<T> {
  cursor: string;
  campaign: string;
  data: T;
}

export interface SubscribeRequest {
  campaignId: string;
  since?: string;
}

export interface ClientToServerEvents {
  subscribe: (req: SubscribeRequest, ack: (res: Ack<{ cursor: string; replayed: number }>) => void) => void;
  unsubscribe: (req: { campaignId: string }, ack: (res: Ack) => void) => void;
  'chat:create': (
    req: { campaign: string; author: string; message: string },
    ack: (res: Ack<{ data: ChatRep }>) => void,
  ) => void;
  /** A fresh token for the same subject, before the current one expires. */
  'auth:refresh': (req: { token: string }, ack: (res: Ack) => void) => void;
  'data:create': (
    req: { context?: string; image?: string; chat?: string | null; campaign?: string | null },
    ack: (res: Ack<{ data: DataRep }>) => void,
  ) => void;
}

export interface ServerToClientEvents {
  'chat:created': (e: LiveEvent<ChatRep>) => void;
  'chat:updated': (e: LiveEvent<ChatRep>) => void;
  'chat:deleted': (e: LiveEvent<{ id: string; campaign: string }>) => void;
  'data:created': (e: LiveEvent<DataRep>) => void;
  'data:updated': (e: LiveEvent<DataRep>) => void;
  'data:deleted': (e: LiveEvent<{ id: string; chat: string | null; campaign: string | null }>) => void;
  'campaign:updated': (e: LiveEvent<CampaignFields>) => void;
  'campaign:deleted': (e: LiveEvent<{ id: string }>) => void;
  /** Sent just before the server disconnects a socket whose token expired. */
  'auth:expired': (e: { message: string }) => void;
  /**
   * This instance's feed fell behind pruning: the socket has left the room, and events were
   * lost to it. Resubscribe without `since` and reload the history, as for `cursor_expired`.
   */
  'room:expired': (e: { campaign: string; code: 'cursor_expired'; message: string }) => void;
}

export const campaignRoom = (campaignId: string): string => `campaign:${campaignId}`;

/** The campaign of a room named by campaignRoom(), or undefined for any other room. */
export const roomCampaign = (room: string): string | undefined => /^campaign:(.+)$/.exec(room)?.[1];
